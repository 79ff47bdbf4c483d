using StepOperator.Components;
using StepOperator.Docker;
using StepOperator.Flavors;

// The flavors this package brings; a program that references it gets them registered when it starts.
[assembly: Flavor(typeof(DockerOrchestratorFlavor))]
[assembly: Flavor(typeof(DockerStepOperatorFlavor))]
[assembly: Flavor(typeof(DockerImageBuilderFlavor))]
[assembly: Flavor(typeof(DefaultContainerRegistryFlavor))]

namespace StepOperator.Docker;

/// <summary>The <c>docker</c> orchestrator: the pipeline's [Step] calls each in a container of the program's image.</summary>
public sealed class DockerOrchestratorFlavor() : DockerContainersFlavor(ComponentType.Orchestrator);

/// <summary>The <c>docker</c> step operator: [ModalStep] calls each in a container of the program's image, with their resources.</summary>
public sealed class DockerStepOperatorFlavor() : DockerContainersFlavor(ComponentType.StepOperator);
