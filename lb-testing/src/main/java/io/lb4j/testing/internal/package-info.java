/**
 * Internal to the test kit: shared by its packages, not API. Classes here can change or disappear at any time.
 *
 * @since 0.2.0
 */
package io.lb4j.testing.internal;
