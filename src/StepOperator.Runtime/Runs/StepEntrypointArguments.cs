using System.Collections.Generic;

namespace StepOperator.Runs;

/// <summary>The program arguments that start a step's entrypoint (in a child process or a container).</summary>
public static class StepEntrypointArguments
{
    public const string Command = "step";

    public static IReadOnlyList<string> For(string step, string runId, string invocationId, string storeLocation) =>
        new[] { Command, step, "--run-id", runId, "--invocation", invocationId, "--store", storeLocation };
}
