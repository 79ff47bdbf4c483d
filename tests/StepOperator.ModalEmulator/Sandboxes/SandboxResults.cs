using StepOperator.Modal.Protocol;
using GenericStatus = StepOperator.Modal.Protocol.GenericResult.Types.GenericStatus;

namespace StepOperator.ModalEmulator.Sandboxes;

/// <summary>The GenericResults a sandbox ends with.</summary>
internal static class SandboxResults
{
    public static GenericResult Exited(int exitCode) => exitCode == 0
        ? new GenericResult { Status = GenericStatus.Success }
        : new GenericResult { Status = GenericStatus.Failure, Exitcode = exitCode };

    public static GenericResult Terminated(string why = "Sandbox terminated.") =>
        new() { Status = GenericStatus.Terminated, Exception = why, Exitcode = 137 };

    public static GenericResult TimedOut(int seconds) =>
        new() { Status = GenericStatus.Timeout, Exception = $"Sandbox timed out after {seconds}s (timeout_secs).", Exitcode = 124 };

    public static GenericResult Evicted(string why) =>
        new() { Status = GenericStatus.MemoryManagerEviction, Exception = why, Exitcode = 137 };

    /// <summary>
    /// The sandbox went over its own memory limit (memory_mb_max) and the kernel killed it. Modal's sources do
    /// not say which status it reports for that; GENERIC_STATUS_MEMORY_MANAGER_EVICTION is documented as worker
    /// memory pressure (a platform event), so the emulator reports the closest documented status for a program
    /// that ended unexpectedly: FAILURE, with the entrypoint's exit code 137 (SIGKILL) and the reason.
    /// </summary>
    public static GenericResult OverMemoryLimit(uint limitMb) =>
        new() { Status = GenericStatus.Failure, Exception = $"Sandbox exceeded its memory limit (memory_mb_max {limitMb} MiB) and was killed (out of memory).", Exitcode = 137 };

    public static GenericResult InternalFailure(string why) =>
        new() { Status = GenericStatus.InternalFailure, Exception = why, Exitcode = 1 };

    /// <summary>The sandbox never ran: its image or its container could not be set up. Exit code 1, never 0, for clients that read it.</summary>
    public static GenericResult InitFailure(string why, int exitCode = 1) =>
        new() { Status = GenericStatus.InitFailure, Exception = why, Exitcode = exitCode };
}
