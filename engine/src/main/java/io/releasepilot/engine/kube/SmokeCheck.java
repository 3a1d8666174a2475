package io.releasepilot.engine.kube;

import io.releasepilot.engine.InvalidInputException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP check of the canary before it gets traffic: GET {@code url} must answer
 * {@code expectedStatus} within {@code attempts} tries, {@code interval} apart. Given as
 * {@code URL} (expects 200) or {@code URL=STATUS}.
 */
public record SmokeCheck(URI url, int expectedStatus, int attempts, Duration interval) {

    public static final String ACCEPTED_FORM = "an http(s) URL, optionally with the expected status: http://web-canary.shop:8080/healthz=200";
    private static final Pattern WITH_STATUS = Pattern.compile("(.+)=([1-5][0-9][0-9])");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public SmokeCheck {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(interval, "interval");
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts must be at least 1");
        }
    }

    /** Parses {@code URL} or {@code URL=STATUS}; three attempts, 2 s apart. */
    public static SmokeCheck parse(String parameter, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        String url = text;
        int status = 200;
        Matcher m = WITH_STATUS.matcher(text);
        if (m.matches()) {
            url = m.group(1);
            status = Integer.parseInt(m.group(2));
        }
        try {
            URI uri = new URI(url);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null || uri.getUserInfo() != null) {
                throw new InvalidInputException(parameter, text, ACCEPTED_FORM + " (no user:password in it)");
            }
            return new SmokeCheck(uri, status, 3, Duration.ofSeconds(2));
        } catch (URISyntaxException e) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
    }

    /**
     * Runs the check without holding a thread: each attempt is an asynchronous request, the pause
     * between attempts a timer on {@code scheduler}. Completes with null when it passed, else with
     * what the last attempt saw.
     *
     * @param progress called once per failed attempt, with what it saw
     */
    CompletableFuture<String> run(HttpClient http, ScheduledExecutorService scheduler, Consumer<String> progress) {
        return attempt(http, scheduler, progress, 1);
    }

    private CompletableFuture<String> attempt(HttpClient http, ScheduledExecutorService scheduler, Consumer<String> progress, int attempt) {
        return once(http).thenCompose(seen -> {
            if (seen == null) {
                return CompletableFuture.completedFuture(null);
            }
            progress.accept("smoke check " + url + " attempt " + attempt + "/" + attempts + ": " + seen);
            if (attempt >= attempts) {
                return CompletableFuture.completedFuture("smoke check " + url + " failed " + attempts + " times, last: " + seen);
            }
            Executor later = CompletableFuture.delayedExecutor(interval.toMillis(), TimeUnit.MILLISECONDS, scheduler);
            return CompletableFuture.supplyAsync(() -> null, later).thenCompose(ignored -> attempt(http, scheduler, progress, attempt + 1));
        });
    }

    private CompletableFuture<String> once(HttpClient http) {
        return http.sendAsync(HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.discarding())
                .handle((response, failed) -> {
                    if (failed == null) {
                        return response.statusCode() == expectedStatus ? null
                                : "HTTP " + response.statusCode() + ", expected " + expectedStatus;
                    }
                    Throwable e = failed instanceof java.util.concurrent.CompletionException && failed.getCause() != null
                            ? failed.getCause() : failed;
                    return "no answer (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
                });
    }
}
