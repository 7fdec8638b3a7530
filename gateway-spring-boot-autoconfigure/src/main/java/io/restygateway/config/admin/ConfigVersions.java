package io.restygateway.config.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Staged install and rollback of whole sets of routes and upstreams, as lua-resty-load stages code and installs it
 * with a version, and slardar's admin API stages ({@code POST}) and installs ({@code PUT}): a set is staged (already
 * checked), then installed as a new, numbered version, made live by an {@link Installer} in one step; the last
 * {@value #KEPT} installed versions are kept, with their install time, and any of them can be installed again
 * ({@link #rollback}), which is recorded as a new version that says which one it came back to.
 *
 * <p>All-or-nothing: a set is checked whole before it is staged, and a version is recorded only once its installer
 * has succeeded; when the installer fails, the staged set stays staged and nothing is recorded. Thread-safe: one
 * operation at a time.
 */
public final class ConfigVersions {

	/** How many installed versions are kept. */
	public static final int KEPT = 10;

	/**
	 * Makes a set live.
	 */
	public interface Installer {

		/**
		 * Make the set the whole live set of this source, in place of the one before.
		 * @param set the set, checked
		 * @return details for the answer (what changed, where it was written)
		 * @throws InstallException when the set could not be made live
		 */
		Map<String, Object> install(ConfigSet set);

		/** @return where installs go: {@code local}, or {@code consul} when written back */
		String target();

	}

	/** An install that did not happen, with why. */
	public static class InstallException extends RuntimeException {

		private static final long serialVersionUID = 1L;

		public InstallException(String message, @Nullable Throwable cause) {
			super(message, cause);
		}

	}

	/**
	 * A set that was installed.
	 * @param number its version, from 1 up
	 * @param installedAt when it went live
	 * @param set the set
	 * @param rollbackOf the version it came back to, for a rollback; null for an install
	 */
	public record Version(long number, Instant installedAt, ConfigSet set, @Nullable Long rollbackOf) {
	}

	/**
	 * The set waiting for an install.
	 * @param set the set
	 * @param stagedAt when it was staged
	 */
	public record Staged(ConfigSet set, Instant stagedAt) {
	}

	/**
	 * What an install or a rollback did.
	 * @param version the version now live
	 * @param details what the installer said
	 */
	public record Installed(Version version, Map<String, Object> details) {
	}

	private final Installer installer;

	private final Clock clock;

	private final Deque<Version> kept = new ArrayDeque<>();

	private @Nullable Staged staged;

	private long last;

	private @Nullable Instant lastApplied;

	private @Nullable String lastError;

	/**
	 * @param installer makes sets live
	 * @param clock the wall clock, for install and stage times
	 */
	public ConfigVersions(Installer installer, Clock clock) {
		this.installer = installer;
		this.clock = clock;
	}

	/**
	 * Stage a checked set, in place of any staged before. Nothing live changes.
	 * @param set the set
	 * @return what is staged now
	 */
	public synchronized Staged stage(ConfigSet set) {
		Staged next = new Staged(set, this.clock.instant());
		this.staged = next;
		return next;
	}

	/**
	 * Install the staged set as a new version; it is then no longer staged.
	 * @return the version installed
	 * @throws IllegalStateException when nothing is staged
	 * @throws InstallException when the installer failed (the set stays staged)
	 */
	public synchronized Installed install() {
		Staged current = this.staged;
		if (current == null) {
			throw new IllegalStateException(
					"nothing is staged: POST a set to stage first (an install takes the staged set once)");
		}
		Installed installed = put(current.set(), null);
		this.staged = null;
		return installed;
	}

	/**
	 * Install a kept version again, as a new version.
	 * @param number the version to come back to
	 * @return the version installed
	 * @throws IllegalArgumentException when that version is not kept
	 * @throws InstallException when the installer failed
	 */
	public synchronized Installed rollback(long number) {
		Version target = version(number);
		if (target == null) {
			throw new IllegalArgumentException("version " + number + " is not kept; kept: " + numbers());
		}
		return put(target.set(), number);
	}

	private Installed put(ConfigSet set, @Nullable Long rollbackOf) {
		Map<String, Object> details;
		try {
			details = this.installer.install(set);
		}
		catch (RuntimeException ex) {
			this.lastError = this.clock.instant() + " " + ex.getMessage();
			throw ex instanceof InstallException install ? install : new InstallException(ex.getMessage(), ex);
		}
		Instant now = this.clock.instant();
		Version version = new Version(++this.last, now, set, rollbackOf);
		this.kept.addFirst(version);
		while (this.kept.size() > KEPT) {
			this.kept.removeLast();
		}
		this.lastApplied = now;
		this.lastError = null;
		return new Installed(version, details);
	}

	/**
	 * @param number a version
	 * @return it, if kept
	 */
	public synchronized @Nullable Version version(long number) {
		for (Version version : this.kept) {
			if (version.number() == number) {
				return version;
			}
		}
		return null;
	}

	/** @return the kept versions, newest first */
	public synchronized List<Version> versions() {
		return new ArrayList<>(this.kept);
	}

	/** @return the live version, or null before the first install */
	public synchronized @Nullable Version current() {
		return this.kept.peekFirst();
	}

	/** @return the staged set, or null */
	public synchronized @Nullable Staged staged() {
		return this.staged;
	}

	/** @return when a set was last made live, or null */
	public synchronized @Nullable Instant lastApplied() {
		return this.lastApplied;
	}

	/** @return the last install's failure, or null when the last install succeeded */
	public synchronized @Nullable String lastError() {
		return this.lastError;
	}

	/** @return where installs go */
	public String target() {
		return this.installer.target();
	}

	private List<Long> numbers() {
		return this.kept.stream().map(Version::number).sorted().toList();
	}

}
