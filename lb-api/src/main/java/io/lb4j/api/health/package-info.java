/** Health checking: active check and passive (outlier detection) policies, health states and transitions. */
package io.lb4j.api.health;
