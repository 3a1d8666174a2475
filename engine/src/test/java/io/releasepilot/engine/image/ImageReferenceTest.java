package io.releasepilot.engine.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {

    @Test
    void aFullReferenceSplitsIntoRegistryRepositoryTagAndDigest() {
        ImageReference ref = ImageReference.parse("image", "registry.example.com:5000/team/web-api:1.4.2@sha256:" + "a".repeat(64));

        assertThat(ref.registry()).isEqualTo("registry.example.com:5000");
        assertThat(ref.repository()).isEqualTo("team/web-api");
        assertThat(ref.tag()).isEqualTo("1.4.2");
        assertThat(ref.digest()).isEqualTo("sha256:" + "a".repeat(64));
        assertThat(ref.host()).isEqualTo("registry.example.com");
    }

    @Test
    void aTagWithoutOneIsLatest() {
        assertThat(ImageReference.parseTag("tag", "registry.example.com/web", true)).hasToString("registry.example.com/web:latest");
    }

    @Test
    void theDigestReferenceKeepsTheNameAndDropsTheTag() {
        ImageReference ref = ImageReference.parse("tag", "127.0.0.1:5000/shop/web:1");

        assertThat(ref.withDigest("sha256:" + "b".repeat(64))).hasToString("127.0.0.1:5000/shop/web@sha256:" + "b".repeat(64));
    }

    @Test
    void anUpperCaseRepositoryIsRefusedNamingTheValue() {
        assertThatThrownBy(() -> ImageReference.parse("tag", "registry.example.com/Team/Web:1"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid tag: 'registry.example.com/Team/Web:1' (expected a lower-case repository ('Team/Web' has upper case), e.g. "
                        + ImageReference.EXAMPLE + ")");
    }

    @Test
    void aBadTagIsRefused() {
        assertThatThrownBy(() -> ImageReference.parse("tag", "registry.example.com/web:-dev"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("'registry.example.com/web:-dev'")
                .hasMessageContaining("a tag of 1-128 letters, digits");
    }

    @Test
    void aReferenceWithoutRegistryIsRefusedForPush() {
        assertThatThrownBy(() -> ImageReference.parseTag("tag", "team/web:1", true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid tag: 'team/web:1' (expected a reference that names the registry to push to, e.g. " + ImageReference.EXAMPLE + ")");
    }

    @Test
    void aReferenceWithoutRegistryIsAcceptedWithoutPush() {
        assertThat(ImageReference.parseTag("tag", "team/web:1", false).registry()).isNull();
    }

    @Test
    void aTagToBuildCannotCarryADigest() {
        assertThatThrownBy(() -> ImageReference.parseTag("tag", "registry.example.com/web@sha256:" + "c".repeat(64), true))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("without @digest");
    }

    @Test
    void aMalformedDigestIsRefused() {
        assertThatThrownBy(() -> ImageReference.parse("image", "registry.example.com/web@sha256:abc"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("sha256:<64 lower-case hex digits>");
    }

    @Test
    void ecrRegistriesAreRecognisedWithTheirRegion() {
        assertThat(ImageReference.parse("tag", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1").ecrRegion()).isEqualTo("eu-west-1");
        assertThat(ImageReference.parse("tag", "registry.example.com/web:1").ecrRegion()).isNull();
    }

    @Test
    void loopbackRegistriesAreSpokenToOverPlainHttp() {
        assertThat(ImageReference.parse("tag", "127.0.0.1:5000/web:1").loopbackRegistry()).isTrue();
        assertThat(ImageReference.parse("tag", "localhost:5000/web:1").loopbackRegistry()).isTrue();
        assertThat(ImageReference.parse("tag", "registry.example.com/web:1").loopbackRegistry()).isFalse();
    }

    @Test
    void theServiceDefaultsToTheLastRepositoryComponent() {
        assertThat(ImageReference.parse("tag", "registry.example.com/shop/web_api:1").lastComponent()).isEqualTo("web-api");
    }
}
