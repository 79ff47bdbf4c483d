using System.Globalization;
using GeneratorBenchmarks;
using StepOperator.Benchmarks;

// P1 and P2 of issue 8. Usage:
//   dotnet run -c Release --project benchmarks/GeneratorBenchmarks -- p1 [--steps 1000]
//   dotnet run -c Release --project benchmarks/GeneratorBenchmarks -- p2 [--steps 1000] [--rounds 15] [--warmup 3] [--concurrent]
// Each writes its section of benchmarks/RESULTS.md and exits with 0 when the goal is met, 1 when not.
// Numbers in reports are written the same everywhere ("1.15", not "1,15").
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var command = "dotnet run -c Release --project benchmarks/GeneratorBenchmarks -- " + string.Join(' ', args);
int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out var value) ? value : fallback;
}

var steps = Option("--steps", 1000);
return args.FirstOrDefault() switch
{
    "p1" => P1Incrementality.Run(command, steps),
    "p2" => await P2CompileCost.RunAsync(command, steps, Option("--rounds", 15), Option("--warmup", 3), args.Contains("--concurrent")),
    "p2-breakdown" => await P2Breakdown.RunAsync(steps, Option("--repeats", 3)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: GeneratorBenchmarks p1 [--steps N] | p2 [--steps N] [--rounds N] [--warmup N] [--concurrent]");
    return 2;
}
