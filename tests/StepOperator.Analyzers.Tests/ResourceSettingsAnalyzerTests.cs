using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using StepOperator.CodeFixes;
using Verify = StepOperator.Analyzers.Tests.Verifier<StepOperator.Analyzers.ResourceSettingsAnalyzer, StepOperator.CodeFixes.MemoryCodeFixProvider>;

namespace StepOperator.Analyzers.Tests;

public class ResourceSettingsAnalyzerTests
{
    private static string Steps(string attributes) => $$"""
        public static class Steps
        {
        {{attributes}}
            public static int Train(int data) => data;
        }
        """;

    [Theory]
    [InlineData("[ModalStep(Gpu = \"A100\", Memory = \"32GB\", CpuCount = 2)]")]
    [InlineData("[ModalStep]")]
    [InlineData("[ModalStep()]")]
    [InlineData("[ModalStep(Gpu = \"H100\", GpuCount = 8, Memory = \"32GiB\", Timeout = 86400)]")]
    [InlineData("[ModalStep(Gpu = \"A10\", GpuCount = 4, Timeout = 1, CpuCount = 0.125)]")]
    [InlineData("[ModalStep(Memory = \"32768MB\", ModalEnvironment = \"main\", StepOperator = \"modal\", Name = \"trainer\")]")]
    [InlineData("[ModalStep(GpuCount = 0)]")]
    [InlineData("[ModalStep(Gpu = \"RTX-PRO-6000\", GpuCount = 1)]")]
    [InlineData("[ModalStep(Gpu = \"B200+\")]")]
    [InlineData("[Step(Memory = \"512MiB\", CpuCount = 1)]")]
    [InlineData("[Step(Gpu = \"T4\")]")]
    [InlineData("[ModalStep(Memory = \"32GB\", MemoryLimit = \"64GB\", CpuCount = 2, CpuLimit = 4)]")]
    [InlineData("[ModalStep(CpuCount = 2, CpuLimit = 2, Memory = \"32GB\", MemoryLimit = \"32000MB\")]")]
    [InlineData("[Step(Memory = \"1GiB\", MemoryLimit = \"1074MB\")]")] // 1 GiB is 1073.7 MB, sent as 1074: not above the limit
    [InlineData("[ModalStep(CpuCount = 2.0009, CpuLimit = 2.0001)]")] // both are milli_cpu 2000, as Modal is sent them
    public Task Valid_settings_report_nothing(string attribute) =>
        Verify.AnalyzerAsync(Steps("    " + attribute));

    [Fact]
    public Task SOP001_gpu_count_without_type_at_the_count() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(GpuCount = {|SOP001:2|})]"));

    [Fact]
    public Task SOP002_type_with_zero_count_is_a_warning_at_the_count() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = \"A100\", GpuCount = {|#0:0|})]"),
            new DiagnosticResult("SOP002", DiagnosticSeverity.Warning).WithLocation(0));

    [Theory]
    [InlineData("\"32 gb\"")]
    [InlineData("\"32gb\"")]
    [InlineData("\"32 GB\"")]
    [InlineData("\"32Gb\"")]
    [InlineData("\"32G\"")]
    [InlineData("\"32\"")]
    [InlineData("\"\"")]
    [InlineData("\"-1GB\"")]
    [InlineData("\"1.5GB\"")]
    [InlineData("\"32 GB \"")]
    [InlineData("\"99999999999PiB\"")]
    [InlineData("\"32GB\\n\"")] // found by fuzzing: $ matched before the final \n, then the unit "GB\n" threw (AD0001)
    [InlineData("\"99999999999999999999999999999999.5GB\"")] // found by fuzzing: the suggestion overflowed decimal (AD0001)
    [InlineData("\"9999999999999999999.5GB\"")] // found by fuzzing: the suggestion overflowed long (AD0001)
    public Task SOP003_malformed_memory_at_the_literal(string literal) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Memory = {{|SOP003:{literal}|}})]"));

    [Fact]
    public Task SOP003_applies_to_Step_too() =>
        Verify.AnalyzerAsync(Steps("    [Step(Memory = {|SOP003:\"32 gb\"|})]"));

    [Fact]
    public Task SOP003_message_names_the_problem_and_the_fix() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Memory = {|#0:\"32 gb\"|})]"),
            Verify.Diagnostic("SOP003").WithLocation(0).WithArguments(
                "Memory", "32 gb", "not a size Modal understands: it must be an integer and a unit (case-sensitive). Did you mean \"32GB\" or \"32GiB\"?"));

    [Theory]
    [InlineData("\"A100_80GB\"")]
    [InlineData("\"h-100\"")]
    [InlineData("\"RTX4090\"")]
    [InlineData("\"A100:2\"")]
    [InlineData("\"H300\"")]
    public Task SOP004_unknown_gpu_is_a_warning_at_the_literal(string literal) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Gpu = {{|#0:{literal}|}})]"),
            new DiagnosticResult("SOP004", DiagnosticSeverity.Warning).WithLocation(0));

    [Fact]
    public Task SOP004_message_suggests_the_nearest_type() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = {|#0:\"A100_80GB\"|})]"),
            new DiagnosticResult("SOP004", DiagnosticSeverity.Warning).WithLocation(0).WithArguments(
                "A100_80GB", "A100_80GB", " Did you mean \"A100-80GB\"?"));

    [Fact]
    public Task SOP004_a_type_newer_than_the_catalog_has_no_count_limit() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = {|#0:\"x900\"|}, GpuCount = 16)]"),
            new DiagnosticResult("SOP004", DiagnosticSeverity.Warning).WithLocation(0).WithArguments(
                "x900", "X900", " Known types: T4, L4, A10, A10G, L40S, A100, A100-40GB, A100-80GB, RTX-PRO-6000, H100, H100!, H200, B200, B200+."));

    [Theory]
    [InlineData("a100", "A100")]
    [InlineData("h100!", "H100!")]
    [InlineData("rtx-pro-6000", "RTX-PRO-6000")]
    [InlineData("a100-80gb", "A100-80GB")]
    public Task SOP012_a_known_type_in_another_case_is_valid_and_only_hidden(string written, string canonical) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Gpu = {{|#0:\"{written}\"|}}, GpuCount = 2)]"),
            new DiagnosticResult("SOP012", DiagnosticSeverity.Hidden).WithLocation(0).WithArguments(written, canonical));

    [Fact]
    public Task SOP005_applies_to_a_known_type_in_any_case() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = {|SOP012:\"a10\"|}, GpuCount = {|SOP005:5|})]"));

    [Theory]
    [InlineData("A10", 5)]
    [InlineData("A10G", 5)]
    [InlineData("A100", 9)]
    [InlineData("H100", 16)]
    public Task SOP005_count_above_the_type_maximum(string gpu, int count) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Gpu = \"{gpu}\", GpuCount = {{|SOP005:{count}|}})]"));

    [Fact]
    public Task SOP005_negative_count() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(GpuCount = {|SOP005:-1|})]"));

    [Theory]
    [InlineData("0")]
    [InlineData("-1.5")]
    [InlineData("double.NaN")]
    public Task SOP006_cpu_count_not_positive(string value) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(CpuCount = {{|SOP006:{value}|}})]"));

    [Theory]
    [InlineData("0")]
    [InlineData("-2")]
    [InlineData("double.PositiveInfinity")]
    public Task SOP006_cpu_limit_not_positive_at_the_limit(string value) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(CpuCount = 1, CpuLimit = {{|SOP006:{value}|}})]"));

    [Fact]
    public Task SOP006_message_names_CpuLimit() =>
        Verify.AnalyzerAsync(Steps("    [Step(CpuCount = 1, CpuLimit = {|#0:-2|})]"),
            Verify.Diagnostic("SOP006").WithLocation(0).WithArguments(
                "CpuLimit", "-2", "0.001", "1, 2 or 4", ", or omitted for no hard limit."));

    [Fact]
    public Task SOP003_malformed_memory_limit_names_MemoryLimit() =>
        Verify.AnalyzerAsync(Steps("    [Step(Memory = \"32GB\", MemoryLimit = {|#0:\"64 gb\"|})]"),
            Verify.Diagnostic("SOP003").WithLocation(0).WithArguments(
                "MemoryLimit", "64 gb", "not a size Modal understands: it must be an integer and a unit (case-sensitive). Did you mean \"64GB\" or \"64GiB\"?"));

    [Fact]
    public Task SOP011_memory_limit_below_memory_at_the_limit() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Memory = \"32GB\", MemoryLimit = {|#0:\"16GiB\"|})]"),
            Verify.Diagnostic("SOP011").WithLocation(0).WithArguments(
                "MemoryLimit", "\"16GiB\" (17180 MB)", "is below Memory = \"32GB\" (32000 MB)", "the hard limit cannot be lower than the reservation",
                "Raise MemoryLimit to \"32GB\" or more, or lower Memory to \"16GiB\""));

    [Fact]
    public Task SOP011_cpu_limit_below_cpu_count_at_the_limit() =>
        Verify.AnalyzerAsync(Steps("    [Step(CpuCount = 2, CpuLimit = {|#0:1.5|})]"),
            Verify.Diagnostic("SOP011").WithLocation(0).WithArguments(
                "CpuLimit", "1.5", "is below CpuCount = 2", "the hard limit cannot be lower than the reservation", "Raise CpuLimit to 2 or more, or lower CpuCount to 1.5"));

    [Fact]
    public Task SOP011_a_limit_without_its_request() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(MemoryLimit = {|#0:\"64GB\"|}, CpuLimit = {|#1:4|})]"),
            Verify.Diagnostic("SOP011").WithLocation(1).WithArguments(
                "CpuLimit", "4", "has no CpuCount request", "Modal takes a CPU limit only with a request", "Add CpuCount (at most 4), for example CpuCount = 4"),
            Verify.Diagnostic("SOP011").WithLocation(0).WithArguments(
                "MemoryLimit", "\"64GB\"", "has no Memory request", "Modal takes a memory limit only with a request", "Add Memory (at most the limit), for example Memory = \"64GB\""));

    [Fact]
    public Task SOP011_is_not_reported_beside_a_malformed_request() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Memory = {|SOP003:\"64 gb\"|}, MemoryLimit = \"1GB\", CpuCount = {|SOP006:0|}, CpuLimit = 1)]"));

    [Theory]
    [InlineData("0")]
    [InlineData("86401")]
    [InlineData("-5")]
    public Task SOP007_timeout_out_of_range(string value) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep(Timeout = {{|SOP007:{value}|}})]"));

    [Theory]
    [InlineData("MaxRetries = {|SOP010:-1|}")]
    [InlineData("MaxRetries = {|SOP010:11|}")]
    [InlineData("RetryDelay = {|SOP010:-0.5|}")]
    [InlineData("RetryDelay = {|SOP010:61|}")]
    [InlineData("RetryDelay = {|SOP010:double.NaN|}")]
    [InlineData("RetryBackoff = {|SOP010:0.5|}")]
    [InlineData("RetryBackoff = {|SOP010:10.5|}")]
    public Task SOP010_retry_policy_out_of_range(string argument) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep({argument})]"));

    [Theory]
    [InlineData("MaxRetries = 0, RetryDelay = 0, RetryBackoff = 1")]
    [InlineData("MaxRetries = 10, RetryDelay = 60, RetryBackoff = 10, RetryOnException = true, EnableCache = false")]
    public Task Retry_policy_at_its_bounds_is_valid(string arguments) =>
        Verify.AnalyzerAsync(Steps($"    [Step({arguments})]"));

    [Fact]
    public Task SOP008_unknown_cloud_also_carries_the_plan_note() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Cloud = {|#0:\"azure\"|})]"),
            Verify.Diagnostic("SOP008").WithLocation(0),
            new DiagnosticResult("SOP009", DiagnosticSeverity.Info).WithLocation(0));

    [Theory]
    [InlineData("Region = {|#0:\"us-east-1\"|}")]
    [InlineData("Cloud = {|#0:\"aws\"|}")]
    public Task SOP009_region_or_cloud_is_an_info(string argument) =>
        Verify.AnalyzerAsync(Steps($"    [ModalStep({argument})]"),
            new DiagnosticResult("SOP009", DiagnosticSeverity.Info).WithLocation(0));

    [Fact]
    public Task Several_rules_broken_at_once_each_report_at_their_argument() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Gpu = {|SOP004:\"a-100\"|}, Memory = {|SOP003:\"32 gb\"|}, CpuCount = {|SOP006:0|}, Timeout = {|SOP007:0|}, MemoryLimit = {|SOP003:\"1\"|})]"));

    [Fact]
    public Task SOP003_message_for_a_huge_fraction_suggests_the_exact_smaller_unit() =>
        Verify.AnalyzerAsync(Steps("    [ModalStep(Memory = {|#0:\"12345678901234567890.5GB\"|})]"),
            Verify.Diagnostic("SOP003").WithLocation(0).WithArguments(
                "Memory", "12345678901234567890.5GB",
                "not a size Modal understands: it must be an integer and a unit (case-sensitive). Write an integer followed by one of KB, KiB, MB, MiB, GB, GiB, TB, TiB, PB, PiB, with no space, such as \"32GB\" or \"32GiB\"."));

    [Fact]
    public Task Settings_of_a_local_function_are_checked_too() =>
        Verify.AnalyzerAsync("""
            public static class Steps
            {
                public static void Host()
                {
                    [ModalStep(Memory = {|SOP003:"32 gb"|}, Timeout = {|SOP007:0|})]
                    static int Local(int x) => x;
                    Local(1);
                }
            }
            """);

    [Fact]
    public Task Settings_of_a_lambda_are_checked_too() =>
        Verify.AnalyzerAsync("""
            public static class Steps
            {
                public static Func<int, int> Host() => [ModalStep(Gpu = {|SOP004:"A100_80GB"|})] (int x) => x;
            }
            """);

    [Theory]
    [InlineData("[ModalStep(Memory = {|SOP003:\"1\"|})]\n    public static partial int Train(int x);\n    public static partial int Train(int x) => x;")]
    [InlineData("public static partial int Train(int x);\n    [ModalStep(Memory = {|SOP003:\"1\"|})]\n    public static partial int Train(int x) => x;")]
    public Task A_partial_method_is_reported_once(string declarations) =>
        Verify.AnalyzerAsync("public static partial class Steps\n{\n    " + declarations + "\n}");

    [Fact]
    public Task Constants_are_evaluated() =>
        Verify.AnalyzerAsync("""
            public static class Steps
            {
                private const string Big = "32 gb";
                private const int Gpus = 2;

                [ModalStep(Memory = {|SOP003:Big|}, GpuCount = {|SOP001:Gpus|})]
                public static int Train(int data) => data;
            }
            """);
}
