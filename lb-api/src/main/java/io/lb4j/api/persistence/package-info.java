/** Session persistence policies. */
package io.lb4j.api.persistence;
