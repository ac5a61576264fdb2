/**
 * lb4j's implementation: schedulers ({@code scheduler}), health checking ({@code health}), session
 * persistence ({@code persistence}), the load balancer facade and a balanced {@code HttpClient}
 * ({@code client}). Public entry points are the factory classes and builders; everything else is package-private or documented as internal.
 */
package io.lb4j.impl;
