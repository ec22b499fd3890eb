package dev.jobharvester.app;

/** What the process answers, as the README documents it. */
final class ExitCodes {

    static final int OK = 0;
    /** Something went wrong while running (the demo did not finish, a job could not be harvested). */
    static final int FAILED = 1;
    /** The command line or the configuration is wrong; the message says what and where. */
    static final int CONFIG = 2;
    /** {@code harvest}: a job had not ended on its platform when {@code --wait} ran out; ask again later. */
    static final int NOT_FINISHED = 3;

    private ExitCodes() {
    }
}
