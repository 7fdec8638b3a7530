package io.restygateway.upstream;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.CompletionContext;
import org.springframework.cloud.client.loadbalancer.LoadBalancerLifecycle;
import org.springframework.cloud.client.loadbalancer.Request;
import org.springframework.cloud.client.loadbalancer.RequestData;
import org.springframework.cloud.client.loadbalancer.RequestDataContext;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.client.loadbalancer.ResponseData;

/**
 * The passive health check: the outcome of every proxied request to a Resty upstream goes back to its server. A
 * connect failure or a timeout always counts as a failure, an answer counts when its status is one of the
 * upstream's passive statuses; a failed server is also remembered in the exchange
 * ({@link RestyLoadBalancer#FAILED_SERVERS_ATTRIBUTE}) so that a retry of the request avoids it.
 */
public class UpstreamLoadBalancerLifecycle
		implements LoadBalancerLifecycle<RequestDataContext, ResponseData, ServiceInstance> {

	@Override
	public boolean supports(Class requestContextClass, Class responseClass, Class serverTypeClass) {
		return RequestDataContext.class.isAssignableFrom(requestContextClass)
				&& ResponseData.class.isAssignableFrom(responseClass)
				&& ServiceInstance.class.isAssignableFrom(serverTypeClass);
	}

	@Override
	public void onStart(Request<RequestDataContext> request) {
	}

	@Override
	public void onStartRequest(Request<RequestDataContext> request, Response<ServiceInstance> lbResponse) {
	}

	@Override
	public void onComplete(CompletionContext<ResponseData, ServiceInstance, RequestDataContext> completion) {
		Response<ServiceInstance> response = completion.getLoadBalancerResponse();
		if (response == null || !(response.getServer() instanceof UpstreamServiceInstance instance)) {
			return;
		}
		String failure = switch (completion.status()) {
			case FAILED -> failure(completion.getThrowable());
			case SUCCESS -> failingStatus(instance, completion.getClientResponse());
			case DISCARD -> null;
		};
		if (failure == null) {
			if (completion.status() == CompletionContext.Status.SUCCESS) {
				instance.upstream().succeeded(instance.server());
			}
			return;
		}
		instance.upstream().failed(instance.server(), failure);
		RequestDataContext context = completion.getLoadBalancerRequest() == null ? null
				: completion.getLoadBalancerRequest().getContext();
		remember(context == null ? null : context.getClientRequest(), instance.server().id());
	}

	private static @Nullable String failingStatus(UpstreamServiceInstance instance, @Nullable ResponseData response) {
		if (response == null || response.getHttpStatus() == null) {
			return null;
		}
		int status = response.getHttpStatus().value();
		return instance.upstream().spec().passive().statuses().contains(status) ? "status " + status : null;
	}

	/**
	 * @param error what a failed request ended with
	 * @return a short reason: {@code connection refused}, {@code connection lost} (closed or reset before the
	 * answer's head arrived: nginx's "error" too), {@code timeout}, or the error's own message
	 */
	static String failure(@Nullable Throwable error) {
		for (Throwable cause = error; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConnectException || cause instanceof NoRouteToHostException) {
				return "connection refused: " + cause.getMessage();
			}
			if (cause.getClass().getSimpleName().equals("PrematureCloseException")
					|| (cause instanceof java.io.IOException && cause.getMessage() != null
							&& cause.getMessage().contains("Connection reset"))) {
				return "connection lost: " + cause.getMessage();
			}
			if (cause instanceof UnknownHostException) {
				return "unknown host: " + cause.getMessage();
			}
			if (cause instanceof TimeoutException || cause.getClass().getSimpleName().contains("Timeout")) {
				return "timeout: " + cause.getMessage();
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return error == null ? "failed" : error.getClass().getSimpleName() + ": " + error.getMessage();
	}

	@SuppressWarnings("unchecked")
	private static void remember(@Nullable RequestData request, String serverId) {
		if (request == null || request.getAttributes() == null) {
			return;
		}
		Map<String, Object> attributes = request.getAttributes();
		Set<String> failed = (Set<String>) attributes.computeIfAbsent(RestyLoadBalancer.FAILED_SERVERS_ATTRIBUTE,
				name -> ConcurrentHashMap.newKeySet());
		failed.add(serverId);
	}

}
