/**
 * How a host (the CLI, a Jenkins controller) starts, awaits, stops and resumes the engine's long
 * acts: {@link io.releasepilot.engine.act.ActHandle}, keyed by a host-given
 * {@link io.releasepilot.engine.act.RunId}, polling on the shared
 * {@link io.releasepilot.engine.act.ActScheduler}.
 */
package io.releasepilot.engine.act;
