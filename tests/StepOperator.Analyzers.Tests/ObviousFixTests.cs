using StepOperator.CodeFixes;
using ClampFix = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.ResourceSettingsAnalyzer, StepOperator.CodeFixes.ClampCodeFixProvider>;
using PartialFix = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.StepMethodAnalyzer, StepOperator.CodeFixes.PartialCodeFixProvider>;

namespace StepOperator.Analyzers.Tests;

/// <summary>The fixes whose result is obvious: SOP005 and SOP007 clamp a number, SOP101 adds 'partial'.</summary>
public class ObviousFixTests
{
    private static string Step(string attribute) => $$"""
        public static class Steps
        {
            {{attribute}}
            public static int Train(int data) => data;
        }
        """;

    [Theory]
    [InlineData("Gpu = \"A10\", GpuCount = {|SOP005:6|}", "Gpu = \"A10\", GpuCount = 4")]
    [InlineData("Gpu = \"H100\", GpuCount = {|SOP005:16|}", "Gpu = \"H100\", GpuCount = 8")]
    [InlineData("Gpu = \"T4\", GpuCount = {|SOP005:-1|}", "Gpu = \"T4\", GpuCount = 1")]
    [InlineData("GpuCount = {|SOP005:-2|}", "GpuCount = 0")]
    public Task SOP005_clamps_gpu_count_to_what_the_type_allows(string before, string after) =>
        ClampFix.CodeFixAsync(Step($"[ModalStep({before})]"), Step($"[ModalStep({after})]"), ClampCodeFixProvider.GpuCountKey);

    [Theory]
    [InlineData("{|SOP007:0|}", "1")]
    [InlineData("{|SOP007:-30|}", "1")]
    [InlineData("{|SOP007:100000|}", "86400")]
    [InlineData("{|SOP007:24 * 3600 + 1|}", "86400")]
    public Task SOP007_clamps_timeout_to_its_bounds(string before, string after) =>
        ClampFix.CodeFixAsync(Step($"[Step(Timeout = {before})]"), Step($"[Step(Timeout = {after})]"), ClampCodeFixProvider.TimeoutKey);

    [Fact]
    public Task SOP005_and_SOP007_fix_all_in_one_attribute_and_across_steps() =>
        ClampFix.CodeFixAsync(
            """
            public static class Steps
            {
                [ModalStep(Gpu = "A10", GpuCount = {|SOP005:5|}, Timeout = {|SOP007:0|})]
                public static int Train(int data) => data;

                [ModalStep(Gpu = "L4", GpuCount = {|SOP005:9|}, Timeout = {|SOP007:90000|})]
                public static int Tune(int data) => data;
            }
            """,
            """
            public static class Steps
            {
                [ModalStep(Gpu = "A10", GpuCount = 4, Timeout = 1)]
                public static int Train(int data) => data;

                [ModalStep(Gpu = "L4", GpuCount = 8, Timeout = 86400)]
                public static int Tune(int data) => data;
            }
            """);

    [Fact]
    public Task SOP101_adds_partial_after_the_other_modifiers() =>
        PartialFix.CodeFixAsync(
            """
            public static class Steps
            {
                [Step]
                public static int {|SOP101:Train|}(int data) => data;
            }
            """,
            """
            public static partial class Steps
            {
                [Step]
                public static int Train(int data) => data;
            }
            """,
            PartialCodeFixProvider.AddPartialKey);

    [Fact]
    public Task SOP101_adds_partial_to_a_type_without_modifiers_and_keeps_its_comment() =>
        PartialFix.CodeFixAsync(
            """
            // The steps.
            class Steps
            {
                [Step]
                public int {|SOP101:Train|}(int data) => data;
            }
            """,
            """
            // The steps.
            partial class Steps
            {
                [Step]
                public int Train(int data) => data;
            }
            """,
            PartialCodeFixProvider.AddPartialKey);

    [Fact]
    public Task SOP101_fix_all_makes_every_type_around_every_step_partial_once() =>
        PartialFix.CodeFixAsync(
            """
            public static class Outer
            {
                internal static class Inner
                {
                    [Step]
                    public static int {|SOP101:Train|}(int data) => data;

                    [ModalStep(Gpu = "T4")]
                    public static int {|SOP101:Tune|}(int data) => data;
                }
            }

            public sealed record Data(int X)
            {
                [Step]
                public static Data {|SOP101:Load|}() => new(1);
            }
            """,
            """
            public static partial class Outer
            {
                internal static partial class Inner
                {
                    [Step]
                    public static int Train(int data) => data;

                    [ModalStep(Gpu = "T4")]
                    public static int Tune(int data) => data;
                }
            }

            public sealed partial record Data(int X)
            {
                [Step]
                public static Data Load() => new(1);
            }
            """,
            PartialCodeFixProvider.AddPartialKey);

    [Fact]
    public Task SOP101_for_another_reason_offers_no_partial_fix() =>
        PartialFix.CodeFixAsync(
            """
            public static partial class Steps
            {
                [Step]
                private static int {|SOP101:Train|}(int data) => data;
            }
            """,
            """
            public static partial class Steps
            {
                [Step]
                private static int {|SOP101:Train|}(int data) => data;
            }
            """);
}
