using System.Collections.Generic;

namespace StepOperator.Execution;

/// <summary>One step call, as its process is told about it.</summary>
/// <param name="Step">The step's name.</param>
/// <param name="RunId">The run the call belongs to.</param>
/// <param name="InvocationId">The call's id within the run.</param>
/// <param name="StoreLocation">The artifact store's location.</param>
internal sealed record StepEntrypointCall(string Step, string RunId, string InvocationId, string StoreLocation);

/// <summary>The program arguments that start a step's entrypoint (in a child process or a container).</summary>
internal static class StepEntrypointArguments
{
    public const string Command = "step";
    public const string RunIdOption = "--run-id";
    public const string InvocationOption = "--invocation";
    public const string StoreOption = "--store";
    public const string StandbyOption = "--standby";

    /// <summary>
    /// The arguments of a standby step process (<c>step --standby</c>): started ahead of the call it will run, which
    /// it then reads from its standard input (see <see cref="StepStandby"/>).
    /// </summary>
    public static IReadOnlyList<string> Standby { get; } = new[] { Command, StandbyOption };

    public static bool IsStandby(IReadOnlyList<string> args) => args.Count == 2 && args[0] == Command && args[1] == StandbyOption;

    public static IReadOnlyList<string> For(string step, string runId, string invocationId, string storeLocation) =>
        new[] { Command, step, RunIdOption, runId, InvocationOption, invocationId, StoreOption, storeLocation };

    /// <summary>
    /// Recognises the arguments <see cref="For"/> writes (options in any order), so a step process can start
    /// without building the whole command line; anything else (help, a missing option) is left to the full parser.
    /// </summary>
    public static StepEntrypointCall? TryParse(IReadOnlyList<string> args)
    {
        if (args.Count != 8 || args[0] != Command || args[1].Length == 0 || args[1].StartsWith('-'))
        {
            return null;
        }

        string? runId = null, invocationId = null, store = null;
        for (var i = 2; i < args.Count; i += 2)
        {
            var value = args[i + 1];
            if (value.Length == 0)
            {
                return null;
            }

            switch (args[i])
            {
                case RunIdOption when runId is null: runId = value; break;
                case InvocationOption when invocationId is null: invocationId = value; break;
                case StoreOption when store is null: store = value; break;
                default: return null;
            }
        }

        return runId is null || invocationId is null || store is null ? null : new StepEntrypointCall(args[1], runId, invocationId, store);
    }
}
