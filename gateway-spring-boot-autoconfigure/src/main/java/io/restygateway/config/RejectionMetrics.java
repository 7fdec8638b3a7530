package io.restygateway.config;

import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts refused documents as {@code resty.config.rejected}, tagged {@code source} (e.g. {@code consul}),
 * {@code key} (the full key) and {@code field} (the field at fault). The tags are bounded by the keys that exist
 * and the fields of the schema, not by traffic.
 */
public class RejectionMetrics implements Consumer<LayoutApplier.Rejection> {

	/** The counter's name. */
	public static final String REJECTED = "resty.config.rejected";

	private final Supplier<@Nullable MeterRegistry> registry;

	/**
	 * @param registry the meter registry, looked up at each refusal (none: nothing is counted)
	 */
	public RejectionMetrics(Supplier<@Nullable MeterRegistry> registry) {
		this.registry = registry;
	}

	@Override
	public void accept(LayoutApplier.Rejection rejection) {
		MeterRegistry meters = this.registry.get();
		if (meters == null) {
			return;
		}
		Counter.builder(REJECTED)
			.description("Configuration documents refused because they do not parse or validate")
			.tag("source", rejection.source())
			.tag("key", rejection.key())
			.tag("field", rejection.field())
			.register(meters)
			.increment();
	}

}
