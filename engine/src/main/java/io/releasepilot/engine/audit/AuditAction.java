package io.releasepilot.engine.audit;

import io.releasepilot.engine.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Every kind of act the audit trail records. */
public enum AuditAction {
    IMAGE_BUILT(Effect.NONE),
    SNAPSHOT_CREATED(Effect.NONE),
    SNAPSHOT_PRUNED(Effect.NONE),
    CANARY_STARTED(Effect.CANARY),
    CANARY_ADVANCED(Effect.CANARY),
    PROMOTED(Effect.STABLE),
    ROLLED_BACK(Effect.STABLE),
    ALERT_FIRED(Effect.NONE),
    /** The emergency brake: a canary's traffic went to 0 at once; the canary stays until a rollback removes it. */
    TRAFFIC_ZEROED(Effect.NONE),
    GATE_DENIED(Effect.NONE),
    HOTFIX(Effect.NONE),
    MANUAL_CHANGE(Effect.STABLE),
    NOTE(Effect.NONE);

    /** What a successful record of this action says about what runs in its environment. */
    public enum Effect {
        /** Nothing changes in what runs. */
        NONE,
        /** A canary now runs beside the stable release (image, weight). */
        CANARY,
        /** The stable release is now the record's image; any canary is gone. */
        STABLE
    }

    private final Effect effect;

    AuditAction(Effect effect) {
        this.effect = effect;
    }

    public Effect effect() {
        return effect;
    }

    /** Parses an action name given by a person, e.g. on the command line. */
    public static AuditAction parse(String parameter, String value, AuditAction... allowed) {
        AuditAction[] accepted = allowed.length == 0 ? values() : allowed;
        String form = "one of " + Arrays.stream(accepted).map(Enum::name).collect(Collectors.joining(", "));
        if (value == null) {
            throw new InvalidInputException(parameter, null, form);
        }
        String wanted = value.trim().toUpperCase(Locale.ROOT);
        for (AuditAction a : accepted) {
            if (a.name().equals(wanted)) {
                return a;
            }
        }
        throw new InvalidInputException(parameter, value, form);
    }
}
