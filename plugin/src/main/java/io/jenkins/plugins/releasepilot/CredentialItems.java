package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import hudson.model.Item;
import hudson.security.ACL;
import hudson.util.ListBoxModel;
import jenkins.model.Jenkins;

/** The credentials drop-downs of the step forms: only for those who may configure the job. */
final class CredentialItems {

    private CredentialItems() {
    }

    static ListBoxModel forItem(Item item, String current, CredentialKind kind) {
        StandardListBoxModel items = new StandardListBoxModel();
        boolean allowed = item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER) : item.hasPermission(Item.CONFIGURE);
        if (!allowed) {
            return items.includeCurrentValue(current);
        }
        items.includeEmptyValue();
        if (item == null) {
            items.includeAs(ACL.SYSTEM2, Jenkins.get(), kind.type);
        } else {
            items.includeAs(ACL.SYSTEM2, item, kind.type);
        }
        return items.includeCurrentValue(current);
    }
}
