package io.releasepilot.engine.kube;

import io.releasepilot.engine.InvalidInputException;

/** How a new release is put beside the stable one. */
public enum DeliveryStrategy {
    /** A weighted canary beside the stable Deployment, advanced step by step. */
    CANARY("canary"),
    /**
     * A full-size preview that takes no traffic until promote switches the stable Service to it at
     * once; the previous release stays for the scale-down delay, so a rollback then is instant.
     */
    BLUE_GREEN("blue-green");

    private final String text;

    DeliveryStrategy(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static DeliveryStrategy parse(String parameter, String value) {
        for (DeliveryStrategy s : values()) {
            if (s.text.equals(value)) {
                return s;
            }
        }
        throw new InvalidInputException(parameter, value, "canary or blue-green");
    }
}
