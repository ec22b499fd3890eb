package dev.jobharvester.download;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hc.core5.http.HttpEntity;

/**
 * What storage said when it refused a request, for an error message. Object stores answer in XML (S3, GCS, Azure):
 * only its code and message are kept, because the rest can echo the request's credentials (S3's
 * SignatureDoesNotMatch carries the signature provided and the string signed). Other answers are kept as one line.
 */
final class ErrorAnswer {

    private static final int MAX_TEXT = 512;
    private static final Pattern CODE = Pattern.compile("<Code>([^<]*)</Code>");
    private static final Pattern MESSAGE = Pattern.compile("<Message>([^<]*)</Message>");

    private ErrorAnswer() {
    }

    /** {@code ": AccessDenied: Request has expired"}, or "" when storage said nothing readable. */
    static String text(HttpEntity entity) {
        if (entity == null) {
            return "";
        }
        try (InputStream in = entity.getContent()) {
            return describe(new String(in.readNBytes(MAX_TEXT), StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return "";
        }
    }

    static String describe(String body) {
        if (body.startsWith("<")) {
            Matcher code = CODE.matcher(body);
            Matcher message = MESSAGE.matcher(body);
            String said = (code.find() ? code.group(1) : "") + (message.find() ? ": " + message.group(1) : "");
            return said.isBlank() ? "" : ": " + said.replaceFirst("^: ", "").strip();
        }
        return body.isEmpty() ? "" : ": " + body.replaceAll("\\s+", " ");
    }
}
