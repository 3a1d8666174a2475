package io.releasepilot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.EnvironmentException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Loads pages in Debian's headless Chromium over the DevTools protocol (the JDK's WebSocket client:
 * no dependency) and reads how long after navigation start a page marked itself rendered.
 */
final class ChromiumPageTimer implements AutoCloseable {

    static final Path BROWSER = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PAGE_TIMEOUT = Duration.ofSeconds(120);

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private ChromiumPageTimer(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    static ChromiumPageTimer start(Path userDataDir) throws IOException, InterruptedException {
        if (!Files.isExecutable(BROWSER)) {
            throw new EnvironmentException("the dashboard bench loads the page in a real browser: install the Debian package chromium");
        }
        Process process = new ProcessBuilder(BROWSER.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000", "--remote-debugging-port=0",
                "--user-data-dir=" + userDataDir.toAbsolutePath(), "about:blank")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            Path portFile = userDataDir.resolve("DevToolsActivePort");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(portFile) || Files.readAllLines(portFile).size() < 2) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new EnvironmentException("Chromium did not open its DevTools port within 30 s");
                }
                Thread.sleep(50);
            }
            int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            String pageSocket = null;
            for (JsonNode t : targets) {
                if ("page".equals(t.path("type").asText())) {
                    pageSocket = t.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (pageSocket == null) {
                throw new EnvironmentException("Chromium opened no page target to drive");
            }
            ChromiumPageTimer[] self = new ChromiumPageTimer[1];
            StringBuilder partial = new StringBuilder();
            WebSocket socket = http.newWebSocketBuilder().buildAsync(URI.create(pageSocket), new WebSocket.Listener() {
                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    partial.append(data);
                    if (last) {
                        self[0].onMessage(partial.toString());
                        partial.setLength(0);
                    }
                    ws.request(1);
                    return null;
                }
            }).get(30, TimeUnit.SECONDS);
            self[0] = new ChromiumPageTimer(process, socket);
            return self[0];
        } catch (IOException | InterruptedException | RuntimeException e) {
            process.destroyForcibly();
            throw e;
        } catch (Exception e) {
            process.destroyForcibly();
            throw new EnvironmentException("cannot drive Chromium over DevTools: " + e.getMessage(), e);
        }
    }

    private void onMessage(String text) {
        try {
            JsonNode message = JSON.readTree(text);
            if (message.has("id")) {
                CompletableFuture<JsonNode> waiting = pending.remove(message.get("id").asInt());
                if (waiting != null) {
                    waiting.complete(message);
                }
            }
        } catch (IOException e) {
            pending.values().forEach(f -> f.completeExceptionally(e));
        }
    }

    private JsonNode call(String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode request = JSON.createObjectNode();
        request.put("id", id);
        request.put("method", method);
        request.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(request.toString(), true).get(30, TimeUnit.SECONDS);
        JsonNode response = answer.get(30, TimeUnit.SECONDS);
        if (response.has("error")) {
            throw new EnvironmentException("Chromium refused " + method + ": " + response.get("error"));
        }
        return response.path("result");
    }

    private String evaluate(String expression) throws Exception {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        return result.path("result").path("value").asText("");
    }

    /**
     * Opens {@code url} and waits until the page sets {@code data-rendered-ms} on its root element;
     * returns that value (milliseconds from navigation start) once {@code readyCheck} is true.
     */
    double timeToRendered(String url, String readyCheck) throws Exception {
        call("Page.navigate", Map.of("url", url));
        long deadline = System.nanoTime() + PAGE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String rendered = evaluate("document.location.href === " + JSON.writeValueAsString(url)
                    + " && document.documentElement.dataset.renderedMs && (" + readyCheck + ") ? document.documentElement.dataset.renderedMs : ''");
            if (!rendered.isEmpty() && !rendered.equals("false")) {
                return Double.parseDouble(rendered);
            }
            Thread.sleep(20);
        }
        throw new EnvironmentException("the page " + url + " was not rendered within " + PAGE_TIMEOUT.toSeconds() + " s");
    }

    /** Evaluates an expression in the current page, e.g. to count what it rendered. */
    String read(String expression) throws Exception {
        return evaluate(expression);
    }

    @Override
    public void close() {
        socket.abort();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
