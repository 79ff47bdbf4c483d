using System.Globalization;
using System.Text;

namespace GeneratorBenchmarks;

/// <summary>One source file of the synthetic project.</summary>
internal sealed record SourceFile(string Path, string Text);

/// <summary>
/// Writes the source of a project with many steps, the shape a real user project has: steps grouped
/// by type (one partial class per file, <see cref="StepsPerType"/> steps each), each with a small body,
/// a few signature shapes (sync and async, CancellationToken, record parameters and results) and
/// valid, varied resource settings; plus files without steps (a data record and helpers).
/// </summary>
internal static class SyntheticProject
{
    public const int StepsPerType = 20;

    /// <summary>The file without steps that unrelated edits touch.</summary>
    public const string HelpersPath = "Helpers.cs";

    /// <summary>A marker in <see cref="HelpersPath"/>'s method body, for an edit that changes the body.</summary>
    public const string HelpersBodyMarker = "0.5 * value";

    private static readonly string[] Gpus = ["A100", "H100", "T4", "L4", "A10G", "L40S"];
    private static readonly string[] Memories = ["16GB", "32GiB", "8192MB", "64GB"];
    private static readonly string[] Cpus = ["1", "2", "0.5", "4"];

    /// <summary>
    /// The project's files. Every <paramref name="plainStepEvery"/>-th step (0: none) is a <c>[Step]</c>,
    /// the rest are <c>[ModalStep]</c>; <paramref name="withPipeline"/> adds a <c>[Pipeline]</c> that submits a few steps.
    /// </summary>
    public static IReadOnlyList<SourceFile> Create(int steps, int plainStepEvery, bool withPipeline)
    {
        var files = new List<SourceFile>
        {
            new("Model.cs", """
                namespace Bench;

                /// <summary>The data that flows between steps.</summary>
                public sealed record Batch(int Id, double[] Values)
                {
                    public int Count => Values.Length;
                }

                /// <summary>A summary of a batch.</summary>
                public readonly record struct Summary(int Id, double Mean, double Max);
                """),
            new(HelpersPath, $$"""
                namespace Bench;

                public static class Numerics
                {
                    public static double Mix(double value, int salt)
                    {
                        var x = {{HelpersBodyMarker}} + salt * 0.001;
                        return x * x - System.Math.Floor(x);
                    }

                    public static Summary Summarize(Batch batch)
                    {
                        var sum = 0.0;
                        var max = double.MinValue;
                        foreach (var v in batch.Values)
                        {
                            sum += v;
                            max = System.Math.Max(max, v);
                        }

                        return new Summary(batch.Id, batch.Count == 0 ? 0 : sum / batch.Count, max);
                    }
                }
                """),
        };

        var types = (steps + StepsPerType - 1) / StepsPerType;
        for (var t = 0; t < types; t++)
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture, $$"""
                using System.Threading;
                using System.Threading.Tasks;
                using StepOperator;

                namespace Bench.Part{{t / 10:00}};

                public static partial class {{TypeName(t)}}
                {

                """);
            for (var s = t * StepsPerType; s < Math.Min(steps, (t + 1) * StepsPerType); s++)
            {
                var plain = plainStepEvery > 0 && s % plainStepEvery == 0;
                text.Append(Step(s, plain));
            }

            text.Append("}\n");
            files.Add(new SourceFile(StepFilePath(t), text.ToString()));
        }

        if (withPipeline)
        {
            // Steps 1 and 5 have the shape (Batch, double) -> Batch; step 2 has (Batch) -> Summary.
            files.Add(new SourceFile("Flow.cs", $$"""
                using System.Threading.Tasks;
                using StepOperator;

                namespace Bench;

                public static partial class Flow
                {
                    [Pipeline]
                    public static async Task Run()
                    {
                        var first = Bench.Part00.{{TypeName(0)}}.Submit.{{StepName(1)}}(new Batch(1, new[] { 1.0, 2.0, 3.0 }), 2.0);
                        var second = Bench.Part00.{{TypeName(0)}}.Submit.{{StepName(5)}}(first, 0.5);
                        var summary = await Bench.Part00.{{TypeName(0)}}.Submit.{{StepName(2)}}(second);
                        System.Console.WriteLine(summary.Mean);
                    }
                }
                """));
        }

        return files;
    }

    public static string TypeName(int type) => $"Group{type:000}";

    public static string StepName(int step) => $"Step{step:0000}";

    public static string StepFilePath(int type) => $"Steps/{TypeName(type)}.cs";

    private static string Step(int index, bool plain)
    {
        var attribute = plain
            ? (index % 3 == 0 ? "[Step]" : $"[Step(Timeout = {600 + index})]")
            : ModalAttribute(index);
        var name = StepName(index);

        // Four signature shapes, in turn.
        return (index % 4) switch
        {
            0 => $$"""
                    /// <summary>Step {{index}}: scales a batch.</summary>
                    {{attribute}}
                    public static async Task<Batch> {{name}}(Batch input, int scale, CancellationToken cancellationToken)
                    {
                        var values = new double[input.Values.Length];
                        for (var i = 0; i < values.Length; i++)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            values[i] = Numerics.Mix(input.Values[i] * scale, i + {{index}});
                        }

                        await Task.Yield();
                        return new Batch(input.Id + {{index}}, values);
                    }


                """,
            1 => $$"""
                    /// <summary>Step {{index}}: shifts a batch.</summary>
                    {{attribute}}
                    public static Batch {{name}}(Batch input, double shift)
                    {
                        var values = (double[])input.Values.Clone();
                        for (var i = 0; i < values.Length; i++)
                        {
                            values[i] += shift * {{index}} - Numerics.Mix(values[i], i);
                        }

                        return input with { Values = values };
                    }


                """,
            2 => $$"""
                    /// <summary>Step {{index}}: summarizes a batch.</summary>
                    {{attribute}}
                    public static Summary {{name}}(Batch input)
                    {
                        var summary = Numerics.Summarize(input);
                        return summary.Max > {{index}} ? summary with { Max = {{index}} } : summary;
                    }


                """,
            _ => $$"""
                    /// <summary>Step {{index}}: makes a batch.</summary>
                    {{attribute}}
                    public static async Task<Batch> {{name}}(int seed, string label, CancellationToken cancellationToken)
                    {
                        await Task.Delay(1, cancellationToken);
                        var values = new double[label.Length + {{index % 17}}];
                        for (var i = 0; i < values.Length; i++)
                        {
                            values[i] = Numerics.Mix(seed, i);
                        }

                        return new Batch(seed, values);
                    }


                """,
        };
    }

    private static string ModalAttribute(int index)
    {
        var gpu = Gpus[index % Gpus.Length];
        var settings = new List<string> { $"Gpu = \"{gpu}\"" };
        if (index % 5 == 1)
        {
            settings.Add($"GpuCount = {1 + index % (gpu == "A10G" ? 4 : 8)}");
        }

        settings.Add($"Memory = \"{Memories[index % Memories.Length]}\"");
        settings.Add($"CpuCount = {Cpus[index % Cpus.Length]}");
        if (index % 7 == 0)
        {
            settings.Add($"Timeout = {3600 + index}");
        }

        return $"[ModalStep({string.Join(", ", settings)})]";
    }
}
