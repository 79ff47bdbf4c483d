using Microsoft.CodeAnalysis;

namespace StepOperator.Generators.Tests;

/// <summary>
/// Code being typed must never make the generator or the analyzers throw: half-written
/// attributes, missing or wrongly typed arguments, attributes in odd places.
/// </summary>
public class TypingRobustnessTests
{
    public static TheoryData<string> CodeBeingTyped => new()
    {
        "[ModalStep(] public static int F(int x) => x;",
        "[ModalStep(Gpu = ] public static int F(int x) => x;",
        "[ModalStep(Gpu = \"A1] public static int F(int x) => x;",
        "[ModalStep(Memory = \"32GB\", ] public static int F(int x) => x;",
        "[ModalStep(GpuCount = \"2\")] public static int F(int x) => x;",
        "[ModalStep(Gpu = 100)] public static int F(int x) => x;",
        "[ModalStep(CpuCount = \"two\")] public static int F(int x) => x;",
        "[ModalStep(Timeout = 1.5)] public static int F(int x) => x;",
        "[ModalStep(Memory = null, Gpu = null, Name = null)] public static int F(int x) => x;",
        "[ModalStep(Memory = Environment.MachineName)] public static int F(int x) => x;",
        "[ModalStep(GpuCount = int.Parse(\"2\"))] public static int F(int x) => x;",
        "[ModalStep(Unknown = 3)] public static int F(int x) => x;",
        "[ModalStep(\"A100\")] public static int F(int x) => x;",
        "[ModalStep(Gpu = \"A100\", Gpu = \"T4\")] public static int F(int x) => x;",
        "[ModalStep, ModalStep] public static int F(int x) => x;",
        "[ModalStep, Step] public static int F(int x) => x;",
        "[ModalStep] public static int F(int x)",
        "[ModalStep] public static int F(int x",
        "[ModalStep] public static F(int x) => x;",
        "[ModalStep] public static int (int x) => x;",
        "[ModalStep]",
        "[ModalStep] public int P { get; set; }",
        "[ModalStep] public int field;",
        "[ModalStep] public class Nested { }",
        "public static void Host() { [ModalStep(Gpu = \"a100\")] static int Local(int x) => x; Local(1); }",
        "public static void Host() { var f = [ModalStep] (int x) => x; }",
        "[return: ModalStep] public static int F(int x) => x;",
        "[ModalStep] public static int F(UnknownType x) => x;",
        "[ModalStep] public static UnknownType F(int x) => default;",
        "[ModalStep] public static Task<> F(int x) => default;",
        "[ModalStep] public static int F(int x, ) => x;",
        "[ModalStep] public static int operator +(Steps a, Steps b) => 0;",
        "[ModalStep] extern static int F(int x);",
        "[ModalStep] partial void F(int x);",
        "[Step(Name = nameof(F))] public static int F(int x) => x;",
        "[Pipeline(Name = )] public static void P() { }",
        "[Pipeline] public static void P<T>() { }",
        "[ModalStep(Memory = \"\\uD800\")] public static int F(int x) => x;",
        "[ModalStep(Memory = \"" + new string('9', 400) + "GB\")] public static int F(int x) => x;",
        "[ModalStep(Gpu = \"" + new string('x', 2000) + "\")] public static int F(int x) => x;",
        "[ModalStep(CpuCount = double.PositiveInfinity, GpuCount = int.MinValue, Timeout = int.MaxValue)] public static int F(int x) => x;",
    };

    [Theory]
    [MemberData(nameof(CodeBeingTyped))]
    public async Task Generator_and_analyzers_never_throw(string member)
    {
        var source = $$"""
            using System;
            using System.Threading.Tasks;
            using StepOperator;

            public partial class Steps
            {
                {{member}}
            }
            """;
        await AssertNeverThrowsAsync(source);
    }

    [Theory]
    [InlineData("public static class Steps<T> { [ModalStep(Gpu = \"A100\")] public static int F(int x) => x; }")]
    [InlineData("public class Outer<T> { public static class Steps { [ModalStep] public static int F(int x) => x; } }")]
    [InlineData("[ModalStep] public class NotAMethod { }")]
    [InlineData("namespace")]
    [InlineData("[ModalStep")]
    [InlineData("using StepOperator; [assembly: ModalStep]")]
    [InlineData("public record R([property: ModalStep] int X);")]
    [InlineData("public interface I { [ModalStep] static abstract int F(int x); }")]
    public async Task Odd_places_never_throw(string source) =>
        await AssertNeverThrowsAsync("using StepOperator;\n" + source);

    private static async Task AssertNeverThrowsAsync(string source)
    {
        var compilation = GeneratorHarness.Compile(source);

        var (result, _) = GeneratorHarness.Run(compilation);
        Assert.All(result.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(result.Diagnostics, d => d.Id is "CS8784" or "CS8785");

        var diagnostics = await GeneratorHarness.AnalyzeAsync(compilation);
        var crashes = diagnostics.Where(d => d.Id == "AD0001").Select(d => d.GetMessage()).ToList();
        Assert.True(crashes.Count == 0, string.Join("\n", crashes));
    }
}
