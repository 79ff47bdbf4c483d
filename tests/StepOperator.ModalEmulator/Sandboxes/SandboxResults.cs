using StepOperator.Stacks.Modal.Protocol;
using GenericStatus = StepOperator.Stacks.Modal.Protocol.GenericResult.Types.GenericStatus;

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

    public static GenericResult InternalFailure(string why) =>
        new() { Status = GenericStatus.InternalFailure, Exception = why, Exitcode = 1 };

    /// <summary>The sandbox never ran: its image or its container could not be set up. Exit code 1, never 0, for clients that read it.</summary>
    public static GenericResult InitFailure(string why, int exitCode = 1) =>
        new() { Status = GenericStatus.InitFailure, Exception = why, Exitcode = exitCode };
}
