/**
 * The node agent: one daemon per node that owns every lazy mount and the node-wide chunk cache,
 * serves containerd as a remote (proxy) snapshotter over gRPC, and exports Prometheus metrics.
 */
package dev.lazypull.agent;
