package io.jenkins.plugins.releasepilot;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol with the JDK's own HTTP and
 * WebSocket client (Selenium's dependencies clash with Jenkins's in a plugin build). It runs the
 * dashboard's real script, which HtmlUnit's JavaScript engine cannot parse.
 */
final class HeadlessChromium implements AutoCloseable {

    static final Path BROWSER = Path.of("/usr/bin/chromium");
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANSWER = Duration.ofSeconds(60);

    private final Process process;
    private final WebSocket page;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessChromium(Process process, WebSocket page) {
        this.process = process;
        this.page = page;
    }

    static HeadlessChromium start(Path userDataDir) throws Exception {
        if (!Files.isExecutable(BROWSER)) {
            throw new IllegalStateException("this test needs a real browser: apt-get install -y chromium");
        }
        Process process = new ProcessBuilder(BROWSER.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1400,1000", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + userDataDir.toAbsolutePath(), "about:blank").redirectErrorStream(true).start();
        CompletableFuture<String> browserUrl = CompletableFuture.supplyAsync(() -> devToolsUrl(process));
        String browser;
        try {
            browser = browserUrl.get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("Chromium did not open its DevTools port", e);
        }
        URI http = URI.create(browser.replaceFirst("^ws://([^/]+)/.*$", "http://$1/json/list"));
        HttpClient client = HttpClient.newHttpClient();
        String list = client.send(HttpRequest.newBuilder(http).build(), HttpResponse.BodyHandlers.ofString()).body();
        String pageUrl = null;
        for (JsonNode target : JSON.readTree(list)) {
            if ("page".equals(target.path("type").asText())) {
                pageUrl = target.path("webSocketDebuggerUrl").asText();
            }
        }
        if (pageUrl == null) {
            process.destroyForcibly();
            throw new IllegalStateException("Chromium opened no page: " + list);
        }
        Listener listener = new Listener();
        WebSocket socket = client.newWebSocketBuilder().buildAsync(URI.create(pageUrl), listener).get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        HeadlessChromium chromium = new HeadlessChromium(process, socket);
        listener.owner = chromium;
        return chromium;
    }

    private static String devToolsUrl(Process process) {
        // Not closed here: once the URL is read, a daemon thread keeps draining Chromium's output so it never blocks on a full pipe.
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        try {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                Matcher m = LISTENING.matcher(line);
                if (m.find()) {
                    Thread drain = new Thread(() -> drain(out), "chromium-output");
                    drain.setDaemon(true);
                    drain.start();
                    return m.group(1);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new IllegalStateException("Chromium exited before opening its DevTools port");
    }

    private static void drain(BufferedReader out) {
        try (out) {
            while (out.readLine() != null) {
                // Chromium's log lines are of no interest once DevTools is up.
            }
        } catch (IOException streamEnded) {
            // Chromium was stopped: nothing more to drain.
        }
    }

    /** Sends one DevTools command and waits for its answer. */
    JsonNode send(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params == null ? JSON.createObjectNode() : params);
        page.sendText(JSON.writeValueAsString(message), true).get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        JsonNode result = answer.get(ANSWER.toSeconds(), TimeUnit.SECONDS);
        if (result.has("error")) {
            throw new IllegalStateException(method + " failed: " + result.get("error"));
        }
        return result.path("result");
    }

    /** Gives the browser a cookie for {@code url} (a Jenkins session of a user logged in elsewhere). */
    void cookie(String name, String value, String url) throws Exception {
        send("Network.enable", null);
        send("Network.setCookie", JSON.createObjectNode().put("name", name).put("value", value).put("url", url));
    }

    void open(String url) throws Exception {
        send("Page.enable", null);
        send("Page.navigate", JSON.createObjectNode().put("url", url));
        await().atMost(ANSWER).until(() -> "complete".equals(evaluate("document.readyState")));
    }

    /** A JavaScript expression's value in the page, as text. */
    String evaluate(String expression) throws Exception {
        JsonNode result = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression).put("returnByValue", true));
        return result.path("result").path("value").asText(null);
    }

    /** A PNG of what the browser shows, the whole page's height. */
    byte[] screenshot() throws Exception {
        return Base64.getDecoder().decode(send("Page.captureScreenshot",
                JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true)).path("data").asText());
    }

    @Override
    public void close() {
        page.abort();
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private volatile HeadlessChromium owner;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    JsonNode message = JSON.readTree(text);
                    if (message.has("id") && owner != null) {
                        CompletableFuture<JsonNode> answer = owner.pending.remove(message.get("id").asInt());
                        if (answer != null) {
                            answer.complete(message);
                        }
                    }
                } catch (IOException e) {
                    throw new IllegalStateException("not DevTools JSON: " + text, e);
                }
            }
            webSocket.request(1);
            return null;
        }
    }
}
