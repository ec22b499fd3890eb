package dev.jobharvester.component;

import org.apache.camel.spi.Metadata;

/** The headers every exchange from a job-outputs endpoint carries. */
public final class JobOutputsConstants {

    @Metadata(description = "The provider the job runs on, e.g. tensorpool.", javaType = "String")
    public static final String PROVIDER = "JobOutputsProvider";
    @Metadata(description = "The job's id on its platform.", javaType = "String")
    public static final String JOB_ID = "JobOutputsJobId";
    @Metadata(description = "The job's terminal state in the platform's own spelling, e.g. completed or error.",
              javaType = "String")
    public static final String JOB_STATE = "JobOutputsJobState";
    @Metadata(description = "The file's path inside the job's folder (for the manifest: _manifest.json).",
              javaType = "String")
    public static final String PATH = "JobOutputsPath";
    @Metadata(description = "The file's path exactly as the platform listed it.", javaType = "String")
    public static final String SOURCE_PATH = "JobOutputsSourcePath";
    @Metadata(description = "The size in bytes, when the platform lists it before the download.", javaType = "Long")
    public static final String SIZE = "JobOutputsSize";
    @Metadata(description = "file for an output file, manifest for the job's manifest, which comes last.",
              javaType = "String")
    public static final String KIND = "JobOutputsKind";

    public static final String KIND_FILE = "file";
    public static final String KIND_MANIFEST = "manifest";

    private JobOutputsConstants() {
    }
}
