package dev.jobharvester.download;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ErrorAnswerTest {

    @Test
    void anObjectStoresXmlErrorIsToldByItsCodeAndMessageWithoutTheSignatureItEchoes() {
        String s3 = """
                <?xml version="1.0" encoding="UTF-8"?>
                <Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match \
                the signature you provided.</Message><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId>\
                <SignatureProvided>9f2c0d1e</SignatureProvided><StringToSign>AWS4-HMAC-SHA256</StringToSign></Error>""";
        assertThat(ErrorAnswer.describe(s3)).isEqualTo(": SignatureDoesNotMatch: The request signature we calculated"
                + " does not match the signature you provided.");
        assertThat(ErrorAnswer.describe("<Error><Code>AccessDenied</Code></Error>")).isEqualTo(": AccessDenied");
        assertThat(ErrorAnswer.describe("<html><body>Forbidden</body></html>")).isEmpty();
    }

    @Test
    void otherAnswersAreKeptOnOneLine() {
        assertThat(ErrorAnswer.describe("{\"error\":\n  \"expired\"}")).isEqualTo(": {\"error\": \"expired\"}");
        assertThat(ErrorAnswer.describe("")).isEmpty();
    }
}
