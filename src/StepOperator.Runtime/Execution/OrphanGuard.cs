using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading;

namespace StepOperator.Execution;

/// <summary>
/// Ends a step process whose orchestrator has died (killed, crashed): on Linux and macOS a child whose
/// parent ends is re-parented, so a change of the parent process id means nobody waits for this step
/// any more. Inside a container or a sandbox the parent is the init process and never changes.
/// </summary>
internal static class OrphanGuard
{
    public const int ExitCode = 143;

    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(500);

    public static void Start(string invocationId, TextWriter error, CancellationToken cancellationToken)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()))
        {
            return;
        }

        // A plain timer callback, not an async loop: a step process starts nothing it does not need.
        var parent = ParentProcessId();
        var timer = new Timer(
            _ =>
            {
                if (ParentProcessId() != parent)
                {
                    error.WriteLine($"Step '{invocationId}': the orchestrator (process {parent}) has ended; stopping.");
                    Environment.Exit(ExitCode);
                }
            },
            null,
            CheckInterval,
            CheckInterval);
        cancellationToken.Register(timer.Dispose); // the registration also keeps the timer alive until the step ends
    }

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code in this assembly; getppid takes nothing to marshal.
    [DllImport("libc", EntryPoint = "getppid")]
    private static extern int ParentProcessId();
#pragma warning restore SYSLIB1054
}
