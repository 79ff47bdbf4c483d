using System;
using System.Collections.Generic;
using System.Linq;

namespace StepOperator;

/// <summary>
/// The steps and pipelines of this program. Generated code registers them when the module loads,
/// so a hand-written Main needs nothing but <see cref="StepOperatorHost.RunAsync(string[])"/>.
/// </summary>
public static class StepCatalog
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, StepDefinition> StepsByName = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, PipelineDefinition> PipelinesByName = new(StringComparer.Ordinal);

    public static IReadOnlyList<StepDefinition> Steps
    {
        get
        {
            lock (Gate)
            {
                return StepsByName.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
            }
        }
    }

    public static IReadOnlyList<PipelineDefinition> Pipelines
    {
        get
        {
            lock (Gate)
            {
                return PipelinesByName.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            }
        }
    }

    internal static void Register(StepDefinition step)
    {
        ArgumentNullException.ThrowIfNull(step);
        lock (Gate)
        {
            if (StepsByName.TryGetValue(step.Name, out var existing) && existing.Method != step.Method)
            {
                throw new InvalidOperationException(
                    $"Step name '{step.Name}' is used by {existing.Method} and {step.Method}; give one of them another Name.");
            }

            StepsByName[step.Name] = step;
        }
    }

    public static void Register(PipelineDefinition pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        lock (Gate)
        {
            PipelinesByName[pipeline.Name] = pipeline;
        }
    }

    public static StepDefinition? FindStep(string name)
    {
        lock (Gate)
        {
            return StepsByName.GetValueOrDefault(name);
        }
    }

    public static PipelineDefinition? FindPipeline(string name)
    {
        lock (Gate)
        {
            return PipelinesByName.GetValueOrDefault(name);
        }
    }
}
