using System;
using System.Collections.Generic;
using System.IO;
using StepOperator.Artifacts;
using StepOperator.Stacks.Local;

namespace StepOperator.Stacks;

/// <summary>The stacks a run can use, by name. <c>local</c> is embedded and needs no configuration.</summary>
public static class StackCatalog
{
    public const string LocalStackName = "local";

    public static IReadOnlyList<string> Names { get; } = new[] { LocalStackName };

    /// <summary>Builds the named stack; an unknown name fails with the valid ones.</summary>
    public static Stack Create(string name, string homeDirectory)
    {
        if (string.Equals(name, LocalStackName, StringComparison.Ordinal))
        {
            var store = new LocalArtifactStore(Path.Combine(homeDirectory, "runs"));
            var local = new LocalProcessStepOperator();
            return new Stack(LocalStackName, store, local, local);
        }

        throw new UnknownNameException($"Unknown stack '{name}'. Available stacks: {string.Join(", ", Names)}.");
    }
}

/// <summary>A stack, pipeline or step name that does not exist; the message lists the valid ones.</summary>
public sealed class UnknownNameException(string message) : Exception(message);
