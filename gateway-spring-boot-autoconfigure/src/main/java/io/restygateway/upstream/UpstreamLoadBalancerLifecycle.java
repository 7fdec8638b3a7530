package io.restygateway.upstream;


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
			case FAILED -> UpstreamFailure.of(completion.getThrowable()).reason();
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

	private static void remember(@Nullable RequestData request, String serverId) {
		if (request != null && request.getAttributes() != null) {
			RestyLoadBalancer.rememberFailed(request.getAttributes(), serverId);
		}
	}

}
