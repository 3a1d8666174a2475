package io.jenkins.plugins.releasepilot

/**
 * The value of the {@code rollbackOnAlert} global variable (see RollbackOnAlertVariable): a global
 * variable is found before a step of the same name, so this object decides between the plain watch and
 * the block form, which Pipeline cannot offer as one step because a step that takes a block must be
 * given one. Both calls go to the steps by way of {@code steps}, which skips the global variables.
 */
class RollbackOnAlertDsl implements Serializable {

    private final org.jenkinsci.plugins.workflow.cps.CpsScript script

    RollbackOnAlertDsl(org.jenkinsci.plugins.workflow.cps.CpsScript script) {
        this.script = script
    }

    /** {@code rollbackOnAlert(namespace: 'prod', deployment: 'web', ...)}: watch for the window. */
    def call(Map args) {
        script.steps.rollbackOnAlert(args)
    }

    /** {@code rollbackOnAlert(namespace: 'prod', deployment: 'web', ...) { sh './load-test.sh' }}: guard the block. */
    def call(Map args, Closure body) {
        script.steps.rollbackOnAlertGuard(args, body)
    }
}
