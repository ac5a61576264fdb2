/** JMH benchmarks of lb4j and its peers; see the module's README for how to run them. */
package io.lb4j.benchmarks;
