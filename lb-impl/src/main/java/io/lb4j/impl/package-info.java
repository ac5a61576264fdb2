/**
 * lb4j's implementation: schedulers ({@code scheduler}), health checking ({@code health}), session
 * persistence ({@code persistence}) and the load balancer facade. Public entry points are the factory
 * classes; everything else is package-private or documented as internal.
 */
package io.lb4j.impl;
