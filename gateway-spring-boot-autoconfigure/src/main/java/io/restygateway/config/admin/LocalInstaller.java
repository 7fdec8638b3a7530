package io.restygateway.config.admin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.context.ApplicationEventPublisher;

import io.restygateway.config.LayoutApplier;
import io.restygateway.config.LiveRoutes;

/**
 * Installs a set on this gateway only, as a live source of its own ({@code restyconfig}) layered like the Consul
 * one: the set goes through a {@link LayoutApplier} (so what is not in the new set is removed, and local YAML names
 * cannot be redefined), upstreams go into the registry, and the routes are rebuilt by one
 * {@link RefreshRoutesEvent} scoped to this source's routes ({@code resty-config-source: restyconfig}), which keeps
 * every other cached route.
 */
public final class LocalInstaller implements ConfigVersions.Installer {

	private final LayoutApplier applier;

	private final LiveRoutes routes;

	private final ApplicationEventPublisher publisher;

	/**
	 * @param applier applies the set as a snapshot of the layout
	 * @param routes the source's routes, which the applier fills
	 * @param publisher where the refresh goes
	 */
	public LocalInstaller(LayoutApplier applier, LiveRoutes routes, ApplicationEventPublisher publisher) {
		this.applier = applier;
		this.routes = routes;
		this.publisher = publisher;
	}

	@Override
	public synchronized Map<String, Object> install(ConfigSet set) {
		LayoutApplier.Outcome outcome = this.applier.apply(set.layout());
		if (!outcome.rejected().isEmpty()) {
			// Cannot happen to a set checked at staging with the same checks; said rather than hidden if it does.
			LayoutApplier.Rejection first = outcome.rejected().get(0);
			throw new ConfigVersions.InstallException("refused at install: " + first.key() + ": " + first.field()
					+ ": " + first.problem(), null);
		}
		if (!outcome.routeKeys().isEmpty()) {
			// One refresh for the whole set: the cached routes of this source are replaced together.
			this.publisher.publishEvent(new RefreshRoutesEvent(this, Map.of(LiveRoutes.SOURCE, this.routes.source())));
		}
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("target", target());
		details.put("routesChanged", List.copyOf(outcome.routeKeys()));
		details.put("upstreamsChanged", List.copyOf(outcome.upstreams()));
		return details;
	}

	@Override
	public String target() {
		return "local";
	}

}
