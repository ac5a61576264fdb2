/** JMH benchmarks of Layer-7 forwarding rules: matching a request's Host and path to a server group. */
package io.lb4j.benchmarks.routing;
