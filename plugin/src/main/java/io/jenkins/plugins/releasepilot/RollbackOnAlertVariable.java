package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import groovy.lang.Binding;
import hudson.Extension;
import org.jenkinsci.plugins.workflow.cps.CpsScript;
import org.jenkinsci.plugins.workflow.cps.GlobalVariable;
import org.jenkinsci.plugins.workflow.cps.GroovySourceFileAllowlist;

/**
 * Gives {@code rollbackOnAlert} both forms under one name: {@code rollbackOnAlert(...)} and
 * {@code rollbackOnAlert(...) { body }}. CpsScript.invokeMethod looks up global variables before
 * steps, so a call by that name reaches {@link #getValue}'s object, whose {@code call(Map)} runs the
 * {@code rollbackOnAlert} step and whose {@code call(Map, Closure)} runs {@code rollbackOnAlertGuard}.
 * The object is a Groovy class shipped as a plugin resource, compiled by the Pipeline's own class
 * loader so that its calls are CPS-transformed and survive a restart like the script's.
 */
@Extension
public class RollbackOnAlertVariable extends GlobalVariable {

    static final String NAME = RollbackOnAlertStep.DescriptorImpl.NAME;
    static final String DSL_CLASS = "io.jenkins.plugins.releasepilot.RollbackOnAlertDsl";

    @NonNull
    @Override
    public String getName() {
        return NAME;
    }

    @NonNull
    @Override
    public Object getValue(@NonNull CpsScript script) throws Exception {
        Binding binding = script.getBinding();
        if (binding.hasVariable(NAME)) {
            return binding.getVariable(NAME);
        }
        // A constructor, not a method: a CPS-transformed method called from here would throw CpsCallableInvocation.
        Object dsl = script.getClass().getClassLoader().loadClass(DSL_CLASS).getConstructor(CpsScript.class).newInstance(script);
        binding.setVariable(NAME, dsl);
        return dsl;
    }

    /**
     * Pipeline's class loader hides every .groovy resource of a plugin that no allowlist names (it
     * would otherwise run outside the sandbox), which makes the class above "not found"; this allows
     * exactly that one file of this plugin.
     */
    @Extension
    public static class DslSourceAllowlist extends GroovySourceFileAllowlist {
        private final String dslSource = String.valueOf(RollbackOnAlertVariable.class.getResource("RollbackOnAlertDsl.groovy"));

        @Override
        public boolean isAllowed(String groovySourceFileUrl) {
            return groovySourceFileUrl.equals(dslSource);
        }
    }
}
