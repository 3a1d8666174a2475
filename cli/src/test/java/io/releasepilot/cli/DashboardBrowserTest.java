package io.releasepilot.cli;

import static io.releasepilot.engine.dashboard.DashboardFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.dashboard.Dashboard;
import io.releasepilot.engine.dashboard.DashboardApi;
import io.releasepilot.engine.dashboard.DashboardFixtures;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.sandbox.MutableClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/** The dashboard page in a real headless Chromium, served by the CLI's server. */
class DashboardBrowserTest {

    @TempDir
    static Path profile;

    private static ChromeDriver browser;

    private final MutableClock clock = new MutableClock(T0);
    private AuditStore store;
    private Dashboard dashboard;
    private DashboardServer server;

    @BeforeAll
    static void startBrowser() {
        browser = HeadlessChromium.start(profile);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        if (dashboard != null) {
            dashboard.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private void serve(String token) {
        dashboard = new Dashboard(store, Dashboard.Config.defaults().withClock(clock));
        server = DashboardServer.start(new DashboardApi(dashboard), new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), token);
    }

    private void openAndWaitUntilRendered() {
        browser.get(server.url().toString());
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> !"loading".equals(
                d.findElement(By.tagName("body")).getAttribute("data-state")));
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private String cellText(String service, String environment) {
        return browser.findElement(By.cssSelector("td[data-service='" + service + "'][data-environment='" + environment + "']")).getText();
    }

    @Test
    void aSeededStoreRendersItsMatrixFiguresAndFeed() {
        store = DashboardFixtures.memoryStore(clock);
        DashboardFixtures.seedDeliveryStory(store, clock);
        serve(null);

        openAndWaitUntilRendered();
        HeadlessChromium.screenshot(browser, "dashboard-seeded");

        List<String> header = browser.findElements(By.cssSelector("#matrix-head th")).stream().map(WebElement::getText).toList();
        assertThat(header).containsExactly("SERVICE", "INT", "UAT", "PROD");
        assertThat(browser.findElements(By.cssSelector("#matrix-body button.service")).stream().map(WebElement::getText))
                .containsExactly("api", "web");
        assertThat(cellText("web", "PROD")).contains("1.4.0").contains("sha256:").contains("alice");
        assertThat(cellText("api", "UAT")).contains("canary 25% → 2.0.0");
        assertThat(browser.findElement(By.cssSelector("td[data-service='api'][data-environment='UAT']")).getAttribute("class"))
                .contains("cell-canary");
        assertThat(browser.findElement(By.id("dora")).getText())
                .contains("CHANGE FAILURE RATE").contains("50 %").contains("1 of 2 changes rolled back")
                .contains("30 min").contains("2 h");
        assertThat(browser.findElements(By.cssSelector("#feed li"))).hasSize(8);
        assertThat(browser.findElement(By.id("empty")).isDisplayed()).isFalse();
    }

    @Test
    void theVerificationBadgeSaysTheTrailIsIntact() {
        store = DashboardFixtures.memoryStore(clock);
        DashboardFixtures.seedDeliveryStory(store, clock);
        serve(null);
        dashboard.verification();

        openAndWaitUntilRendered();
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> {
            d.navigate().refresh();
            return d.findElement(By.id("verification")).getText().contains("intact");
        });

        assertThat(browser.findElement(By.id("verification")).getText()).isEqualTo("✓ Audit trail intact · 8 records verified");
    }

    @Test
    void anEmptyStoreShowsHowToRecordTheFirstRelease() {
        store = DashboardFixtures.memoryStore(clock);
        serve(null);

        openAndWaitUntilRendered();
        HeadlessChromium.screenshot(browser, "dashboard-empty");

        WebElement empty = browser.findElement(By.id("empty"));
        assertThat(empty.isDisplayed()).isTrue();
        assertThat(empty.getText()).contains("No release recorded yet").contains("release-pilot audit record --action MANUAL_CHANGE");
        assertThat(browser.findElement(By.id("matrix")).isDisplayed()).isFalse();
    }

    @Test
    void aServiceHistoryOpensAndClosesFromTheKeyboard() {
        store = DashboardFixtures.memoryStore(clock);
        DashboardFixtures.seedDeliveryStory(store, clock);
        serve(null);
        openAndWaitUntilRendered();

        boolean reached = false;
        for (int i = 0; i < 30 && !reached; i++) {
            new Actions(browser).sendKeys(Keys.TAB).perform();
            reached = Boolean.TRUE.equals(js("return document.activeElement.dataset.service === 'web'"));
        }
        assertThat(reached).as("the web service's button is reachable with Tab").isTrue();
        new Actions(browser).sendKeys(Keys.ENTER).perform();
        new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("#history-body tr")).size() == 6);
        HeadlessChromium.screenshot(browser, "dashboard-history");

        assertThat(js("return document.activeElement.id")).isEqualTo("history-title");
        assertThat(browser.findElement(By.id("history-title")).getText()).isEqualTo("History of web");
        assertThat(browser.findElement(By.cssSelector("#history-body tr")).getText()).contains("rolled back").contains("alert HighErrorRate");

        new Actions(browser).sendKeys(Keys.ESCAPE).perform();

        assertThat(browser.findElement(By.id("history-section")).isDisplayed()).isFalse();
        assertThat(js("return document.activeElement.dataset.service")).isEqualTo("web");
    }

    @Test
    void aTokenProtectedDashboardAsksForTheTokenAndThenRenders() {
        String token = "browser-token-0123456789";
        store = DashboardFixtures.memoryStore(clock);
        DashboardFixtures.seedDeliveryStory(store, clock);
        serve(token);

        openAndWaitUntilRendered();
        assertThat(browser.findElement(By.id("auth")).isDisplayed()).isTrue();
        browser.findElement(By.id("auth-token")).sendKeys(token, Keys.ENTER);
        new WebDriverWait(browser, Duration.ofSeconds(30)).until(d -> "ready".equals(
                d.findElement(By.tagName("body")).getAttribute("data-state")));

        assertThat(browser.findElement(By.id("auth")).isDisplayed()).isFalse();
        assertThat(cellText("web", "PROD")).contains("1.4.0");
        js("sessionStorage.clear()");
    }

    @Test
    void hostileTextInEveryFieldRendersAsInertText() throws Exception {
        List<String> hits = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/", exchange -> {
            hits.add(exchange.getRequestURI().toString());
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        collector.start();
        try {
            String collectorUrl = "http://127.0.0.1:" + collector.getAddress().getPort();
            String hostile = "<script>window.__pwned='script'</script>"
                    + "<img src=\"" + collectorUrl + "/img\" onerror=\"window.__pwned='img';fetch('" + collectorUrl + "/fetch')\">"
                    + "\"'><svg onload=window.__pwned='svg'> \u202Egnp.exe\u202C مرحبا بالعالم 🚀🔥 ✓";
            store = DashboardFixtures.memoryStore(clock);
            clock.set(T0);
            Origin origin = new Origin("actor " + hostile, "javascript:window.__pwned='href'//" + hostile);
            store.append(AuditEvent.builder(AuditAction.CANARY_STARTED, "evil").environment("PROD").namespace("ns " + hostile)
                    .target("target " + hostile).release("canary " + hostile).image("image " + hostile)
                    .previousImage("previous " + hostile).reason("reason " + hostile).detail("weight", 30)
                    .detail("note", "detail " + hostile).build(), origin);
            clock.advance(Duration.ofMinutes(1));
            store.append(AuditEvent.builder(AuditAction.MANUAL_CHANGE, "evil").environment("INT").release("release " + hostile)
                    .image("image " + hostile).reason("reason " + hostile).build(), origin);
            clock.advance(Duration.ofMinutes(1));
            store.append(AuditEvent.builder(AuditAction.PROMOTED, "evil").environment("UAT").release("failed " + hostile)
                    .image("image " + hostile).outcome(io.releasepilot.engine.audit.Outcome.FAILED).reason("why " + hostile).build(),
                    new Origin("actor " + hostile, "https://jenkins.example.com/job/" + hostile));
            serve(null);
            // Let the page's own rendering be the only defence under test: with the Content-Security-Policy
            // bypassed, markup that reached the DOM as HTML would run.
            browser.executeCdpCommand("Page.setBypassCSP", Map.of("enabled", true));

            openAndWaitUntilRendered();
            js("document.querySelector('button.service[data-service=evil]').click()");
            new WebDriverWait(browser, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("#history-body tr")).size() == 3);
            HeadlessChromium.screenshot(browser, "dashboard-hostile");

            assertThat(js("return window.__pwned === undefined")).isEqualTo(true);
            assertThat(js("return document.querySelectorAll('main script, main img, main svg, main iframe, main object').length"))
                    .isEqualTo(0L);
            assertThat(js("return document.querySelectorAll('a[href^=\"javascript\" i]').length")).isEqualTo(0L);
            assertThat(js("return document.querySelector('td[data-environment=INT] .release').textContent"))
                    .isEqualTo("release " + hostile);
            assertThat(js("return document.querySelector('td[data-environment=PROD] .canary bdi').textContent"))
                    .isEqualTo("canary " + hostile);
            assertThat(js("return document.querySelector('td[data-environment=PROD] .actor').textContent"))
                    .isEqualTo("actor " + hostile);
            assertThat(js("return document.querySelector('td[data-environment=PROD] .origin').textContent"))
                    .isEqualTo("javascript:window.__pwned='href'//" + hostile);
            assertThat(js("return document.querySelector('td[data-environment=UAT] .reason').textContent"))
                    .isEqualTo("why " + hostile);
            assertThat(js("return Array.from(document.querySelectorAll('#feed .reason')).map(e => e.textContent)"))
                    .asList().contains("reason " + hostile, "why " + hostile);
            assertThat(js("return Array.from(document.querySelectorAll('#feed a.origin')).map(a => a.getAttribute('href'))"))
                    .as("feed rows link to the build that did the act").asList()
                    .contains("https://jenkins.example.com/job/" + hostile);
            assertThat(js("return Array.from(document.querySelectorAll('#history-body td.text')).map(e => e.textContent)"))
                    .asList().contains("canary " + hostile, "reason " + hostile);
            assertThat(js("return document.querySelector('td[data-environment=INT] .digest').title")).isEqualTo("image " + hostile);
            Thread.sleep(500);
            assertThat(hits).as("requests the hostile markup would have made").isEmpty();
        } finally {
            browser.executeCdpCommand("Page.setBypassCSP", Map.of("enabled", false));
            collector.stop(0);
        }
    }
}
