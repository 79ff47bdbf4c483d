using System.Globalization;
using GeneratorBenchmarks;
using StepOperator.Benchmarks;

// Generator incrementality and compile cost. Usage:
//   dotnet run -c Release --project benchmarks/GeneratorBenchmarks -- incrementality [--steps 1000]
//   dotnet run -c Release --project benchmarks/GeneratorBenchmarks -- compile-cost [--steps 1000] [--rounds 15] [--warmup 3] [--concurrent]
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
    "incrementality" => Incrementality.Run(command, steps),
    "compile-cost" => await CompileCost.RunAsync(command, steps, Option("--rounds", 15), Option("--warmup", 3), args.Contains("--concurrent")),
    "compile-cost-breakdown" => await CompileCostBreakdown.RunAsync(steps, Option("--repeats", 3)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: GeneratorBenchmarks incrementality [--steps N] | compile-cost [--steps N] [--rounds N] [--warmup N] [--concurrent] | compile-cost-breakdown [--steps N] [--repeats N]");
    return 2;
}
