/**
 * Staged install and rollback of whole sets of routes and upstreams through the {@code restyconfig} actuator
 * endpoint (lua-resty-load's stage and install, slardar's admin API): {@link io.restygateway.config.admin.ConfigSetReader}
 * checks a set as the live sources check their documents, {@link io.restygateway.config.admin.ConfigVersions} stages
 * it, installs it as a numbered version and keeps the last ten, and an installer makes it live, on this gateway
 * ({@link io.restygateway.config.admin.LocalInstaller}) or by writing it back to Consul
 * ({@link io.restygateway.config.admin.ConsulWriteBack}).
 */
@NullMarked
package io.restygateway.config.admin;

import org.jspecify.annotations.NullMarked;
