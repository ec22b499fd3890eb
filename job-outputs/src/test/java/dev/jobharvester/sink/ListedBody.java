package dev.jobharvester.sink;

import dev.jobharvester.download.VerifiedBody;
import java.io.IOException;
import java.util.Random;
import java.util.concurrent.Executor;

/**
 * A listed file's body as a download reads it: in reads of random length, hashed as they pass (in a sink's own chunks
 * when it lends them), its SHA-256 checked at the end against the listed one; broken after {@code breakAt} bytes
 * unless that is -1, as a download that cannot resume is.
 */
final class ListedBody extends VerifiedBody {
    private final byte[] body;
    private final int end;
    private final Random reads;
    private final String listedSha256;
    private int at;

    ListedBody(byte[] body, int breakAt, long seed, String listedSha256, Executor hashing) {
        super(hashing);
        this.body = body;
        this.end = breakAt < 0 ? body.length : breakAt;
        this.reads = new Random(seed);
        this.listedSha256 = listedSha256;
    }

    @Override
    public boolean isOpened() {
        return true;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (isComplete()) {
            return -1;
        }
        if (at == end && end < body.length) {
            throw failed(new IOException("the source broke at byte " + at));
        }
        if (at == body.length) {
            markComplete(listedSha256, "the listed file");
            return -1;
        }
        int n = Math.min(Math.min(length, end - at), 1 + reads.nextInt(200_000));
        System.arraycopy(body, at, buffer, offset, n);
        passed(buffer, offset, n);
        at += n;
        return n;
    }
}
