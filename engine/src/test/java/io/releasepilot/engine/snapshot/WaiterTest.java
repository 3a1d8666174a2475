package io.releasepilot.engine.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaiterTest {

    /** Time that moves only when the waiter sleeps. */
    private static final class FakeClock implements Waiter.Clock {
        long nanos;

        @Override
        public long nanoTime() {
            return nanos;
        }

        @Override
        public void sleep(Duration d) {
            nanos += d.toNanos();
        }
    }

    private static Waiter.Builder<String> waiterOver(FakeClock clock, String... answers) {
        Deque<String> queue = new ArrayDeque<>(List.of(answers));
        return Waiter.<String>builder(() -> queue.size() > 1 ? queue.poll() : queue.peek())
                .succeedWhen("available"::equals, s -> "available")
                .failWhen("failed"::equals, s -> "status 'failed'")
                .retryWhen(s -> true, s -> s)
                .backoff(new Backoff(Duration.ofSeconds(5), 2.0, Duration.ofSeconds(30)))
                .clock(clock);
    }

    @Test
    void succeedsWhenTheSuccessAcceptorMatchesAndCountsTheAttempts() throws Exception {
        FakeClock clock = new FakeClock();

        Waiter.Result<String> result = waiterOver(clock, "creating", "creating", "available").timeout(Duration.ofMinutes(10)).build().run();

        assertThat(result.matched()).isEqualTo(Waiter.Matched.SUCCESS);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.delays()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10));
        assertThat(result.elapsed()).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void stopsAtOnceWhenTheFailureAcceptorMatches() throws Exception {
        Waiter.Result<String> result = waiterOver(new FakeClock(), "creating", "failed", "available").timeout(Duration.ofMinutes(10)).build().run();

        assertThat(result.matched()).isEqualTo(Waiter.Matched.FAILURE);
        assertThat(result.message()).isEqualTo("status 'failed'");
        assertThat(result.attempts()).isEqualTo(2);
    }

    @Test
    void backsOffExponentiallyUpToTheCap() throws Exception {
        Waiter.Result<String> result = waiterOver(new FakeClock(), "creating").timeout(Duration.ofSeconds(100)).build().run();

        assertThat(result.delays()).startsWith(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30),
                Duration.ofSeconds(30));
    }

    @Test
    void timesOutWithTheLastValueAndNeverSleepsPastTheDeadline() throws Exception {
        FakeClock clock = new FakeClock();

        Waiter.Result<String> result = waiterOver(clock, "creating").timeout(Duration.ofSeconds(42)).build().run();

        assertThat(result.matched()).isEqualTo(Waiter.Matched.TIMEOUT);
        assertThat(result.last()).isEqualTo("creating");
        assertThat(result.elapsed()).isEqualTo(Duration.ofSeconds(42));
        assertThat(result.delays()).containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(7));
        assertThat(result.attempts()).isEqualTo(5);
    }

    @Test
    void givesUpAfterTheMaximumNumberOfAttempts() throws Exception {
        Waiter.Result<String> result = waiterOver(new FakeClock(), "creating").timeout(Duration.ofHours(1)).maxAttempts(3).build().run();

        assertThat(result.matched()).isEqualTo(Waiter.Matched.TIMEOUT);
        assertThat(result.attempts()).isEqualTo(3);
        assertThat(result.message()).isEqualTo("gave up after 3 attempts");
    }
}
