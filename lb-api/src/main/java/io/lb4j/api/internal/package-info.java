/**
 * Validation helpers shared by lb4j's builders. <b>Not API</b>: this package is exported only to
 * lb4j's own modules (lb-impl, lb-testing) and can change or disappear in any release.
 */
package io.lb4j.api.internal;
