using System.Globalization;
using System.Text.RegularExpressions;
using StepOperator.Runs;

namespace StepOperator.EndToEnd.Tests;

/// <summary>The sample a newcomer runs first: it trains, evaluates and gives the same metrics every time.</summary>
public class SampleTests
{
    [Fact]
    public async Task The_training_pipeline_runs_to_the_end_with_deterministic_metrics()
    {
        var metrics = new List<string>();
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var program = new TestProgram("TrainingPipeline", "samples");
            var result = await program.RunAsync();
            Assert.True(result.ExitCode == 0, result.ToString());

            var lines = Regex.Matches(result.Output, @"^(train|test) +accuracy .*$", RegexOptions.Multiline).Select(m => m.Value).ToList();
            Assert.Equal(2, lines.Count);
            metrics.Add(string.Join("\n", lines));

            var run = program.OnlyRun();
            Assert.Equal(RunStatus.Succeeded, run.Status);
            Assert.Equal(5, run.Steps.Count);
            var train = run.Steps.Single(s => s.Step == "Train");
            Assert.Equal(StepPlacement.Modal, train.Placement);
            Assert.Contains("[Train] epoch 300/300", result.Output);

            var accuracy = double.Parse(Regex.Match(lines[1], @"accuracy ([0-9.]+) ?%").Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(accuracy, 85, 100);
        }

        Assert.Equal(metrics[0], metrics[1]);
    }
}
