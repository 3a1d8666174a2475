package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import org.junit.jupiter.api.Test;

/** The host's alert-server secrets: shown nowhere but in the Authorization header. */
class HttpAuthTest {

    @Test
    void aBearerTokenIsInTheHeaderAndNeitherInToStringNorInDescribe() {
        HttpAuth auth = HttpAuth.bearer("tok-123456".toCharArray());

        assertThat(auth.authorizationHeader()).contains("Bearer tok-123456");
        assertThat(auth.toString()).doesNotContain("tok-123456");
        assertThat(auth.describe()).isEqualTo("bearer token (hidden)");
        assertThat(AlertAccess.of(auth).toString()).doesNotContain("tok-123456");
    }

    @Test
    void basicAuthShowsTheUserButNeverThePassword() {
        HttpAuth auth = HttpAuth.basic("watcher", "pa55word".toCharArray());

        assertThat(auth.authorizationHeader()).contains("Basic d2F0Y2hlcjpwYTU1d29yZA==");
        assertThat(auth.toString()).contains("watcher").doesNotContain("pa55word");
        assertThat(auth.describe()).isEqualTo("basic auth as 'watcher' (password hidden)");
    }

    @Test
    void theCallersArrayMayBeClearedAfterwards() {
        char[] token = "tok-abcdef".toCharArray();
        HttpAuth auth = HttpAuth.bearer(token);

        java.util.Arrays.fill(token, '\0');

        assertThat(auth.authorizationHeader()).contains("Bearer tok-abcdef");
    }

    @Test
    void aBasicAuthFileWithoutAColonIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> HttpAuth.parseBasic("justapassword\n".toCharArray()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("alert-basic-auth-file")
                .hasMessageContaining("user:password")
                .hasMessageNotContaining("justapassword");
    }

    @Test
    void aTokenWithSpacesIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> HttpAuth.bearer("two words".toCharArray()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("alert-token")
                .hasMessageNotContaining("two words");
    }

    @Test
    void aCaFileThatIsNoCertificateIsRefusedNamingTheParameter() {
        assertThatThrownBy(() -> AlertAccess.none().withCaCertificates("not a pem".getBytes()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("alert-ca-file");
    }
}
