package io.jenkins.plugins.releasepilot;

import hudson.init.InitMilestone;
import hudson.init.Initializer;
import hudson.security.Permission;
import hudson.security.PermissionGroup;
import hudson.security.PermissionScope;
import java.util.logging.Logger;
import jenkins.model.Jenkins;

/**
 * "Release Pilot / Deploy": may press Promote and Roll back on a build's Release page. Its own
 * group, so an administrator can grant it (per job, or for folders of jobs) apart from Build:
 * starting a build is not the same as moving production traffic. Implied by Administer only.
 */
public final class ReleasePermissions {

    private static final Logger LOGGER = Logger.getLogger(ReleasePermissions.class.getName());

    public static final PermissionGroup GROUP = new PermissionGroup(ReleasePermissions.class, Messages._ReleasePermissions_Group());

    public static final Permission DEPLOY = new Permission(GROUP, "Deploy", Messages._ReleasePermissions_Deploy_Description(),
            Jenkins.ADMINISTER, true,
            new PermissionScope[] {PermissionScope.ITEM, PermissionScope.ITEM_GROUP, PermissionScope.JENKINS});

    private ReleasePermissions() {
    }

    /**
     * Permissions register themselves when their class loads; loading it once the plugins have
     * started puts Deploy on the security matrix before anyone configures it.
     */
    @Initializer(after = InitMilestone.PLUGINS_STARTED)
    public static void register() {
        LOGGER.fine(() -> "registered " + DEPLOY.getId());
    }
}
