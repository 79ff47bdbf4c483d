// Names shared by the generator and the analyzer (netstandard2.0, compiled into both).
namespace StepOperator.Roslyn;

internal static class KnownAttributes
{
    public const string ModalStep = "StepOperator.ModalStepAttribute";
    public const string Step = "StepOperator.StepAttribute";
    public const string Pipeline = "StepOperator.PipelineAttribute";

    /// <summary>Property names of the attributes, as users write them.</summary>
    public static class Properties
    {
        public const string Name = nameof(Name);
        public const string Gpu = nameof(Gpu);
        public const string GpuCount = nameof(GpuCount);
        public const string CpuCount = nameof(CpuCount);
        public const string Memory = nameof(Memory);
        public const string CpuLimit = nameof(CpuLimit);
        public const string MemoryLimit = nameof(MemoryLimit);
        public const string Timeout = nameof(Timeout);
        public const string Region = nameof(Region);
        public const string Cloud = nameof(Cloud);
        public const string ModalEnvironment = nameof(ModalEnvironment);
        public const string StepOperator = nameof(StepOperator);
        public const string EnableCache = nameof(EnableCache);
        public const string MaxRetries = nameof(MaxRetries);
        public const string RetryDelay = nameof(RetryDelay);
        public const string RetryBackoff = nameof(RetryBackoff);
        public const string RetryOnException = nameof(RetryOnException);
    }
}
