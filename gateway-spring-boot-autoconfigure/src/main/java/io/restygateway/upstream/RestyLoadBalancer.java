package io.restygateway.upstream;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.DefaultResponse;
import org.springframework.cloud.client.loadbalancer.EmptyResponse;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.ReactorServiceInstanceLoadBalancer;

/**
 * The load balancer of one service id: a Resty upstream of that name when there is one (looked up on every
 * request, so that an upstream created or replaced at run time is used at once), else Spring Cloud's own balancer
 * over service discovery.
 */
public class RestyLoadBalancer implements ReactorServiceInstanceLoadBalancer {

	/**
	 * The exchange attribute holding the ids ({@code host:port}) of the servers that failed this request: a retry
	 * never goes back to one of them.
	 */
	public static final String FAILED_SERVERS_ATTRIBUTE = RestyLoadBalancer.class.getName() + ".failedServers";

	private final String serviceId;

	private final UpstreamRegistry registry;

	private final ReactorServiceInstanceLoadBalancer fallback;

	/**
	 * @param serviceId the service id, the host of {@code lb://serviceId}
	 * @param registry the upstreams
	 * @param fallback the balancer for a service id that is no Resty upstream
	 */
	public RestyLoadBalancer(String serviceId, UpstreamRegistry registry, ReactorServiceInstanceLoadBalancer fallback) {
		this.serviceId = serviceId;
		this.registry = registry;
		this.fallback = fallback;
	}

	@Override
	@SuppressWarnings("rawtypes")
	public Mono<Response<ServiceInstance>> choose(Request request) {
		Upstream upstream = this.registry.get(this.serviceId);
		if (upstream == null) {
			return this.fallback.choose(request);
		}
		RequestData data = request.getContext() instanceof RequestDataContext context ? context.getClientRequest()
				: null;
		String key = null;
		if (upstream.spec().hashKey() != null && data != null) {
			key = upstream.spec().hashKey().resolve(new LoadBalancerRequestView(data));
		}
		Upstream.Server server = upstream.choose(key, failedServers(data));
		if (server == null) {
			return Mono.just(new EmptyResponse());
		}
		return Mono.just(new DefaultResponse(new UpstreamServiceInstance(upstream, server)));
	}

	@SuppressWarnings("unchecked")
	static Set<String> failedServers(@Nullable RequestData data) {
		if (data == null || data.getAttributes() == null) {
			return Set.of();
		}
		Map<String, Object> attributes = data.getAttributes();
		Object failed = attributes.get(FAILED_SERVERS_ATTRIBUTE);
		return failed instanceof Set<?> set ? (Set<String>) set : Set.of();
	}

	/**
	 * Remember that a server failed this request, so that a retry avoids it.
	 * @param attributes the exchange's attributes
	 * @param serverId the server's {@code host:port}
	 */
	@SuppressWarnings("unchecked")
	static void rememberFailed(Map<String, Object> attributes, String serverId) {
		((Set<String>) attributes.computeIfAbsent(FAILED_SERVERS_ATTRIBUTE, name -> ConcurrentHashMap.newKeySet()))
			.add(serverId);
	}

	@Override
	public String toString() {
		return "RestyLoadBalancer[" + this.serviceId + "]";
	}

}
