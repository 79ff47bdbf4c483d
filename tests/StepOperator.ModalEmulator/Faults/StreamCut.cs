namespace StepOperator.ModalEmulator.Faults;

/// <summary>How <see cref="EmulatorFaults.CutStream"/> cuts a stream.</summary>
public enum StreamCut
{
    /// <summary>The HTTP/2 stream is reset (RST_STREAM), as a proxy or a dropped connection ends one call.</summary>
    ResetStream,

    /// <summary>The whole HTTP/2 connection is closed: every call on it ends, as when the network drops.</summary>
    CloseConnection,

    /// <summary>The stream ends with status UNAVAILABLE, as a server going away ends it cleanly.</summary>
    Unavailable,
}

/// <summary>Which SandboxGetLogs streams a cut applies to (by the file descriptor they read).</summary>
public enum LogStream
{
    Any,
    Stdout,
    Stderr,
}
