using System.Globalization;
using System.Text;
using StepOperator.Fuzz;

// Long fuzz run of the analyzers and the generator; see README.md.
//   dotnet run -c Release --project benchmarks/Fuzz -- --variants 200000 --seed 7
//   dotnet run -c Release --project benchmarks/Fuzz -- --seed 20251126 --only 4711     (one variant: source, expectation, result)
var seed = 20_251_126;
var variants = 200_000;
var first = 0;
int? only = null;
var batch = 100;
var parallelism = Environment.ProcessorCount;
var show = 5;
string? failuresFile = null;
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--seed":
            seed = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--variants":
            variants = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--first":
            first = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--only":
            only = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--batch":
            batch = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--parallel":
            parallelism = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--show":
            show = int.Parse(Next(), CultureInfo.InvariantCulture);
            break;
        case "--failures":
            failuresFile = Next();
            break;
        case "-h" or "--help":
            Console.WriteLine("options: --variants N (200000)  --seed N (20251126, the CI seed)  --first N (0)  --only INDEX  --batch N (100)");
            Console.WriteLine("         --parallel N (processors)  --show N (failures printed in full, 5)  --failures FILE (all failures, in full)");
            return 0;
        default:
            Console.Error.WriteLine($"unknown option {args[i]} (--help lists them)");
            return 2;
    }
}

if (only is { } index)
{
    var variant = VariantGenerator.Create(seed, index);
    Console.WriteLine($"variant {index} of seed {seed} ({variant.Kind}){(variant.Mutation is null ? string.Empty : ", " + variant.Mutation)}");
    foreach (var step in variant.Steps)
    {
        Console.WriteLine($"  step {step.Description}\n    expects [{string.Join(", ", step.ExpectedIds)}]");
    }

    Console.WriteLine(variant.Source);
    var outcome = new FuzzRunner(new FuzzOptions { Seed = seed }).RunAlone(variant);
    foreach (var diagnostic in outcome.Diagnostics.Where(d => d.Severity > Microsoft.CodeAnalysis.DiagnosticSeverity.Hidden && d.Id != "CS1591"))
    {
        Console.WriteLine("  " + diagnostic);
    }

    foreach (var (category, details) in outcome.Problems)
    {
        Console.WriteLine($"FAIL {category}: {details}");
    }

    Console.WriteLine(outcome.Problems.Count == 0 ? "ok" : $"{outcome.Problems.Count} problems");
    return outcome.Problems.Count == 0 ? 0 : 1;
}

Console.WriteLine($"fuzzing {variants} variants from index {first}, seed {seed}, {batch} per compilation, {parallelism} at a time");
var report = new FuzzRunner(new FuzzOptions
{
    Seed = seed,
    Variants = variants,
    First = first,
    BatchSize = batch,
    Parallelism = parallelism,
    Progress = line => Console.WriteLine("  " + line),
}).Run();

Console.WriteLine(report.Summary());
Console.WriteLine($"{report.Variants / Math.Max(report.Elapsed.TotalSeconds, 0.001):F0} variants/s");
if (report.Failures.Count > 0)
{
    Console.WriteLine(report.Describe(show));
    if (failuresFile is not null)
    {
        File.WriteAllText(failuresFile, report.Describe(int.MaxValue), new UTF8Encoding(false)); // lone surrogates become U+FFFD
        Console.WriteLine($"all failures: {failuresFile}");
    }
}

return report.Failures.Count == 0 ? 0 : 1;
