package io.restygateway.ratelimit;

/**
 * The generic cell rate algorithm, which decides exactly as nginx's {@code limit_req} leaky bucket does, over one
 * number per key: the theoretical arrival time (TAT), in microseconds. With {@code T = 1/rate} and
 * {@code τ = burst·T}, a request of cost {@code c} at {@code now}:
 * <ul>
 * <li>{@code tat = max(TAT, now)}; it is admitted when {@code tat − now + (c−1)·T ≤ τ}, and then
 * {@code TAT = tat + c·T};</li>
 * <li>a refused request changes nothing, and may come back after {@code tat + (c−1)·T − τ − now}.</li>
 * </ul>
 * So burst+1 simultaneous requests pass, as with nginx. The same arithmetic runs in the Redis script and in the
 * in-memory store.
 * <p>
 * A ban (lua-resty-redis-ratelimit's {@code duration}) turns the first refusal into a refusal of everything for the
 * ban's length, measured from that refusal; when it ends the key starts afresh. The key's state then holds the ban's
 * end instead of a TAT, encoded as {@link #banned(long)}.
 */
public final class Gcra {

	/** No state yet for the key. */
	public static final long NO_STATE = Long.MIN_VALUE;

	private Gcra() {
	}

	/**
	 * The state of a banned key: times are never negative, so a ban until {@code until} is stored as
	 * {@code −until − 1}.
	 * @param until when the ban ends, microseconds
	 * @return the stored state
	 */
	public static long banned(long until) {
		return -until - 1;
	}

	/**
	 * @param state a stored state
	 * @return whether it is a ban (rather than a TAT or no state)
	 */
	public static boolean isBan(long state) {
		return state < 0 && state != NO_STATE;
	}

	/**
	 * @param state a ban, as {@link #banned(long)} stores it
	 * @return when it ends, microseconds
	 */
	public static long banEnd(long state) {
		return -(state + 1);
	}

	/**
	 * A limit: rate and burst in GCRA's terms.
	 * @param interval T, microseconds between requests at the rate
	 * @param tolerance τ = burst·T, in microseconds
	 * @param burst the burst, in requests
	 */
	public record Limit(long interval, long tolerance, int burst) {

		/**
		 * @param rate the rate
		 * @param burst requests allowed beyond the rate, at least 0
		 * @return the limit
		 */
		public static Limit of(Rate rate, int burst) {
			if (burst < 0) {
				throw new IllegalArgumentException("burst must be at least 0, was " + burst);
			}
			long interval = rate.emissionIntervalMicros();
			return new Limit(interval, Math.multiplyExact(interval, (long) burst), burst);
		}

		/**
		 * @param cost a request's cost
		 * @return whether a request of that cost can ever pass (cost ≤ burst + 1)
		 */
		public boolean admits(int cost) {
			return cost >= 1 && cost - 1L <= this.burst;
		}

	}

	/**
	 * What was decided.
	 * @param allowed whether the request is admitted
	 * @param tat the key's new state: its TAT, or a ban (see {@link Gcra#banned(long)}); unchanged when a refusal
	 * changes nothing
	 * @param excess for an admitted request, how far ahead of the rate it is ({@code tat − now}), microseconds
	 * @param retryAfter for a refused request, how long until the same request would pass, microseconds
	 * @param remaining how many more requests of cost 1 would pass now
	 */
	public record Decision(boolean allowed, long tat, long excess, long retryAfter, long remaining) {

		/**
		 * The delay of an admitted request, nginx's {@code delay=N}: excess beyond N requests' worth waits.
		 * @param delayRequests requests admitted at once before delaying starts; the burst for nodelay
		 * @param limit the limit
		 * @return microseconds to wait before proxying
		 */
		public long delay(int delayRequests, Limit limit) {
			return Math.max(0, this.excess - delayRequests * limit.interval());
		}

	}

	/**
	 * Decide one request.
	 * @param storedTat the key's TAT, or {@link #NO_STATE}
	 * @param now the time, microseconds
	 * @param limit the limit
	 * @param cost the request's cost, from 1 to burst + 1
	 * @return the decision
	 */
	public static Decision decide(long storedTat, long now, Limit limit, int cost) {
		return decide(storedTat, now, limit, cost, 0);
	}

	/**
	 * Decide one request, with a ban.
	 * @param stored the key's state: a TAT, a ban, or {@link #NO_STATE}
	 * @param now the time, microseconds, never negative
	 * @param limit the limit
	 * @param cost the request's cost, from 1 to burst + 1
	 * @param ban how long a refusal bans the key, microseconds; 0 for no ban
	 * @return the decision
	 */
	public static Decision decide(long stored, long now, Limit limit, int cost, long ban) {
		if (!limit.admits(cost)) {
			throw new IllegalArgumentException("a cost of " + cost + " can never pass a burst of " + limit.burst());
		}
		long storedTat = stored;
		if (isBan(stored)) {
			long end = banEnd(stored);
			if (end > now) {
				return new Decision(false, stored, 0, end - now, 0);
			}
			storedTat = NO_STATE;
		}
		long tat = storedTat == NO_STATE ? now : Math.max(storedTat, now);
		long extra = (cost - 1L) * limit.interval();
		if (tat - now + extra > limit.tolerance()) {
			if (ban > 0) {
				return new Decision(false, banned(now + ban), 0, ban, 0);
			}
			long retry = tat + extra - limit.tolerance() - now;
			// A refused request of cost c may leave room for cheaper ones.
			long remaining = Math.max(0, Math.floorDiv(limit.tolerance() - (tat - now), limit.interval()) + 1);
			return new Decision(false, stored, 0, retry, remaining);
		}
		long newTat = tat + cost * limit.interval();
		long remaining = Math.floorDiv(limit.tolerance() - (newTat - now), limit.interval()) + 1;
		return new Decision(true, newTat, tat - now, 0, Math.max(0, remaining));
	}

}
