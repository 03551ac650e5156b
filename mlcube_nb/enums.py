"""Every enumeration of the wire contract (PLATFORM.md §6) plus the error codes our server returns.

Values are exactly what travels in JSON bodies and query strings; member names are the upper-cased
value unless PLATFORM.md shows otherwise. String enums subclass ``_StrEnum`` so ``str(member)`` is the
value on every supported Python (``enum.StrEnum`` only exists from 3.11).

Longer than our ~400-line guideline on purpose: it is a flat list of values, the public SDK exposes them
from one module (``ml3_platform_sdk.enums``), and tests/test_contract.py compares this module to it as a
whole; splitting it would only scatter that comparison.
"""

from __future__ import annotations

from enum import Enum

__all__ = [
    "ApiKeyExpirationTime",
    "BooleanLicenceFeature",
    "ColumnRole",
    "ColumnSubRole",
    "Currency",
    "DataBatchType",
    "DataCategory",
    "DataStructure",
    "DataType",
    "DetectionEventActionType",
    "DetectionEventSeverity",
    "DetectionEventType",
    "ErrorCode",
    "ExternalIntegration",
    "FileType",
    "FolderType",
    "GenericMonitoringDimension",
    "ImageMode",
    "JobStatus",
    "KPIStatus",
    "LLMProvider",
    "ModelMetricName",
    "MonitoringEvaluationMetric",
    "MonitoringMetric",
    "MonitoringStatus",
    "MonitoringTarget",
    "NumericLicenceFeature",
    "OcrMode",
    "ProductKeyStatus",
    "RawDataSourceType",
    "RetrainTriggerType",
    "SegmentOperator",
    "SemanticSegTargetType",
    "StoragePolicy",
    "StoringDataType",
    "SubscriptionType",
    "SuggestionType",
    "TaskType",
    "TextLanguage",
    "TimeseriesMode",
    "UserCompanyRole",
    "UserProjectRole",
]


class _StrEnum(str, Enum):
    """A ``str`` enum whose ``str()`` and ``format()`` give the wire value (StrEnum for Python 3.10)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)


class TaskType(_StrEnum):
    """The kind of ML problem a task monitors."""

    REGRESSION = "regression"
    CLASSIFICATION_BINARY = "classification_binary"
    CLASSIFICATION_MULTICLASS = "classification_multiclass"
    CLASSIFICATION_MULTILABEL = "classification_multilabel"
    RAG = "rag"
    OBJECT_DETECTION = "object_detection"
    SEMANTIC_SEGMENTATION = "semantic_segmentation"
    CLUSTERING = "clustering"
    OCR = "ocr"
    TIMESERIES = "timeseries"


class DataStructure(_StrEnum):
    """The shape of the data a task handles."""

    TABULAR = "tabular"
    IMAGE = "image"
    TEXT = "text"
    EMBEDDING = "embedding"


class DataBatchType(Enum):
    """Which split a historical upload belongs to (plain Enum, as in v1)."""

    TRAINING = "training"
    VALIDATION = "validation"
    TEST = "test"
    PRODUCTION = "production"


class StoringDataType(_StrEnum):
    """Where an uploaded file is stored (upload query string)."""

    HISTORICAL = "historical"
    PRODUCTION = "production"
    TASK_TARGET = "task_target"
    KPI = "kpi"


class FileType(_StrEnum):
    """File format of an uploaded or remote source."""

    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"
    PNG = "png"
    JPG = "jpg"
    NPY = "npy"


class FolderType(_StrEnum):
    """How a folder source is packed."""

    UNCOMPRESSED = "uncompressed"
    TAR = "tar"
    ZIP = "zip"


class JobStatus(_StrEnum):
    """Life-cycle state of an asynchronous job."""

    IDLE = "idle"
    STARTING = "starting"
    RUNNING = "running"
    COMPLETED = "completed"
    ERROR = "error"


class MonitoringStatus(_StrEnum):
    """Status of a monitored quantity."""

    OK = "ok"
    WARNING = "warning"
    DRIFT = "drift"


class KPIStatus(_StrEnum):
    """Status of a project KPI."""

    NOT_INITIALIZED = "not_initialized"
    OK = "ok"
    WARNING = "warning"
    DRIFT = "drift"


class MonitoringTarget(_StrEnum):
    """A monitored quantity (input, concept, prediction, ...)."""

    ERROR = "error"
    INPUT = "input"
    CONCEPT = "concept"
    PREDICTION = "prediction"
    INPUT_PREDICTION = "input_prediction"
    USER_INPUT = "user_input"
    RETRIEVED_CONTEXT = "retrieved_context"
    USER_INPUT_RETRIEVED_CONTEXT = "user_input_retrieved_context"
    USER_INPUT_MODEL_OUTPUT = "user_input_model_output"
    MODEL_OUTPUT_RETRIEVED_CONTEXT = "model_output_retrieved_context"
    CHARACTER_ERROR_RATE = "character_error_rate"
    WORD_ERROR_RATE = "word_error_rate"
    TURN = "turn"


class MonitoringMetric(_StrEnum):
    """A metric computed on a monitoring target."""

    FEATURE = "feature"
    TEXT_TOXICITY = "text_toxicity"
    TEXT_EMOTION = "text_emotion"
    TEXT_SENTIMENT = "text_sentiment"
    TEXT_LENGTH = "text_length"
    TEXT_MULTI_TURN_INFORMATION = "text_multi_turn_information"
    TEXT_MULTI_TURN_INSTRUCTION = "text_multi_turn_instruction"
    TEXT_MULTI_TURN_OVERALL = "text_multi_turn_overall"
    TEXT_MULTI_TURN_IN_CONTEXT = "text_multi_turn_in_context"
    TEXT_MULTI_TURN_OUT_OF_CONTEXT = "text_multi_turn_out_of_context"
    TEXT_MULTI_TURN_STRUCTURAL_CONSTRAINT = "text_multi_turn_structural_constraint"
    TEXT_MULTI_TURN_POSITIONAL_BIAS = "text_multi_turn_positional_bias"
    TEXT_MULTI_TURN_CONCISENESS = "text_multi_turn_conciseness"
    TEXT_MULTI_TURN_REFERENCE_RESOLUTION = "text_multi_turn_reference_resolution"
    TEXT_MULTI_TURN_TOPIC_SHIFT = "text_multi_turn_topic_shift"
    MODEL_PERPLEXITY = "model_perplexity"
    MODEL_ENTROPY = "model_entropy"
    MODEL_IMAGE_ENTROPY = "model_image_entropy"
    LOG_LIKELIHOOD = "log_likelihood"
    IMAGE_BRIGHTNESS = "image_brightness"
    IMAGE_CONTRAST = "image_contrast"
    IMAGE_FOCUS = "image_focus"
    IMAGE_BLUR = "image_blur"
    IMAGE_COLOR_VARIATION_RED = "image_color_variation_red"
    IMAGE_COLOR_VARIATION_BLUE = "image_color_variation_blue"
    IMAGE_COLOR_VARIATION_GREEN = "image_color_variation_green"
    IMAGE_COLOR_CONTRAST_RED = "image_color_contrast_red"
    IMAGE_COLOR_CONTRAST_BLUE = "image_color_contrast_blue"
    IMAGE_COLOR_CONTRAST_GREEN = "image_color_contrast_green"
    AVERAGE_AREA_PER_OBJECT_TYPE = "average_area_per_object_type"
    QUANTITY_PER_OBJECT_TYPE = "quantity_per_object_type"
    TOTAL_OBJECTS = "total_objects"
    OBJECT_TYPES_COUNT = "object_types_count"
    TRACKING_OBJECT_POSITION = "tracking_object_position"


class MonitoringEvaluationMetric(_StrEnum):
    """A model evaluation metric monitored against a threshold."""

    ACCURACY = "accuracy"
    PRECISION = "precision"
    RECALL = "recall"
    F1 = "f1"
    ROC_AUC = "roc_auc"
    PR_AUC = "pr_auc"
    LOG_LOSS = "log_loss"
    BALANCED_ACCURACY = "balanced_accuracy"
    MAE = "mae"
    RMSE = "rmse"
    R_SQUARED = "r_squared"
    SILHOUETTE = "silhouette"
    CALINSKI_HARABASZ = "calinski_harabasz"
    ADJUSTED_RAND_INDEX = "adjusted_rand_index"
    NMI = "nmi"
    V_MEASURE = "v_measure"
    FPR_AT_TPR = "fpr_at_tpr"
    MAPE = "mape"


class GenericMonitoringDimension(_StrEnum):
    """A novelty-detection dimension monitored on every task."""

    NOVELTY_CLASS = "novelty_class"
    NOVELTY_PERCENTAGE = "novelty_percentage"
    NOVELTY_SCORE = "novelty_score"


class DetectionEventType(_StrEnum):
    """What a detection event announces."""

    WARNING_OFF = "warning_off"
    WARNING_ON = "warning_on"
    DRIFT_ON = "drift_on"
    DRIFT_OFF = "drift_off"


class DetectionEventSeverity(_StrEnum):
    """Severity of a drift event; ordered low < medium < high (compare with ``rank``)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """Position in the order low < medium < high, for 'at least this severe' checks."""
        return _SEVERITY_RANK[self.value]


_SEVERITY_RANK: dict[str, int] = {"low": 0, "medium": 1, "high": 2}


class DetectionEventActionType(_StrEnum):
    """What a rule action does when it fires."""

    DISCORD_NOTIFICATION = "discord_notification"
    SLACK_NOTIFICATION = "slack_notification"
    EMAIL_NOTIFICATION = "email_notification"
    TEAMS_NOTIFICATION = "teams_notification"
    MQTT_NOTIFICATION = "mqtt_notification"
    RETRAIN = "retrain"
    NEW_PLOT_CONFIGURATION = "new_plot_configuration"
    AWS_EVENT_BRIDGE_NOTIFICATION = "aws_event_bridge_notification"
    GCP_PUBSUB_NOTIFICATION = "gcp_pubsub_notification"
    AZURE_EVENT_GRID_NOTIFICATION = "azure_event_grid_notification"


class ModelMetricName(_StrEnum):
    """Performance or error metric attached to a model."""

    RMSE = "rmse"
    RSQUARE = "rsquare"
    ACCURACY = "accuracy"
    AVERAGE_PRECISION = "average_precision"


class SuggestionType(_StrEnum):
    """Form of a retraining suggestion."""

    SAMPLE_WEIGHTS = "sample_weights"
    RESAMPLED_DATASET = "resampled_dataset"


class UserCompanyRole(_StrEnum):
    """A user's role inside the company (upper-case values)."""

    COMPANY_OWNER = "COMPANY_OWNER"
    COMPANY_ADMIN = "COMPANY_ADMIN"
    COMPANY_USER = "COMPANY_USER"
    COMPANY_NONE = "COMPANY_NONE"


class UserProjectRole(_StrEnum):
    """A company user's role inside a project (upper-case values)."""

    PROJECT_ADMIN = "PROJECT_ADMIN"
    PROJECT_USER = "PROJECT_USER"
    PROJECT_VIEW = "PROJECT_VIEW"


class ApiKeyExpirationTime(_StrEnum):
    """Lifetime chosen when creating an API key."""

    ONE_MONTH = "one_month"
    THREE_MONTHS = "three_months"
    SIX_MONTHS = "six_months"
    ONE_YEAR = "one_year"
    NEVER = "never"


class ExternalIntegration(_StrEnum):
    """Provider an integration credential authenticates to."""

    AWS = "aws"
    GCP = "gcp"
    AZURE = "azure"
    AWS_COMPATIBLE = "aws_compatible"
    GOOGLE_GENAI = "google-genai"
    GOOGLE_VERTEXAI = "google-vertexai"
    OPENAI = "openai"
    AZURE_OPENAI = "azure-openai"
    ANTHROPIC = "anthropic"


class LLMProvider(_StrEnum):
    """LLM vendor behind an LLM integration credential."""

    OPENAI = "openai"
    OPENROUTER = "openrouter"
    AZURE_OPENAI = "azure_openai"
    ANTHROPIC = "anthropic"
    GOOGLE = "google"
    GOOGLE_VERTEXAI = "google_vertexai"


class StoragePolicy(_StrEnum):
    """Who stores uploaded data."""

    MLCUBE = "mlcube"
    CUSTOMER = "customer"


class RetrainTriggerType(_StrEnum):
    """Event service a retrain trigger publishes to."""

    AWS_EVENT_BRIDGE = "aws_event_bridge"
    GCP_PUBSUB = "gcp_pubsub"
    AZURE_EVENT_GRID = "azure_event_grid"


class Currency(_StrEnum):
    """Currency of task cost information."""

    EURO = "euro"
    DOLLAR = "dollar"


class DataType(_StrEnum):
    """Data type of a schema column."""

    FLOAT = "float"
    STRING = "string"
    CATEGORICAL = "categorical"
    INTEGER = "integer"
    ARRAY_1 = "array_1"
    ARRAY_2 = "array_2"
    ARRAY_3 = "array_3"


class ColumnRole(_StrEnum):
    """Role of a schema column."""

    INPUT = "input"
    INPUT_MASK = "input_mask"
    METADATA = "metadata"
    PREDICTION = "prediction"
    TARGET = "target"
    ERROR = "error"
    ID = "id"
    TIME_ID = "time_id"
    INPUT_ADDITIONAL_EMBEDDING = "input_additional_embedding"
    TARGET_ADDITIONAL_EMBEDDING = "target_additional_embedding"
    PREDICTION_ADDITIONAL_EMBEDDING = "prediction_additional_embedding"
    USER_INPUT = "user_input"
    RETRIEVED_CONTEXT = "retrieved_context"


class ColumnSubRole(_StrEnum):
    """Refinement of a column role (RAG, timeseries, object/OCR, probability)."""

    RAG_USER_INPUT = "user_input"
    RAG_RETRIEVED_CONTEXT = "retrieved_context"
    RAG_SYS_PROMPT = "sys_prompt"
    RAG_SESSION_ID = "session_id"
    RAG_TURN_ID = "turn_id"
    MODEL_PROBABILITY = "model_probability"
    OBJECT_LABEL_TARGET = "object_label_target"
    OBJECT_LABEL_PREDICTION = "object_label_prediction"
    OBJECT_TEXT_TARGET = "object_text_target"
    OBJECT_TEXT_PREDICTION = "object_text_prediction"
    LLM_SPECS_NAME = "llm_specs_name"
    SEASONALITY = "seasonality"
    TREND = "trend"
    REGRESSOR = "regressor"


class ImageMode(_StrEnum):
    """Colour mode of image inputs."""

    RGB = "rgb"
    RGBA = "rgba"
    GRAYSCALE = "grayscale"


class TimeseriesMode(_StrEnum):
    """How a timeseries column enters the model."""

    ADDITIVE = "additive"
    MULTIPLICATIVE = "multiplicative"


class TextLanguage(_StrEnum):
    """Language of text data."""

    ITALIAN = "italian"
    ENGLISH = "english"
    MULTILANGUAGE = "multilanguage"


class OcrMode(_StrEnum):
    """Output form of an OCR task."""

    PLAIN_TEXT = "plain_text"
    WITH_LABELS = "with_labels"


class SemanticSegTargetType(_StrEnum):
    """Target encoding of a semantic segmentation task."""

    POLYGON = "polygon"


class SubscriptionType(_StrEnum):
    """Deployment kind of a subscription plan."""

    CLOUD = "cloud"
    EDGE = "edge"


class ProductKeyStatus(_StrEnum):
    """State of an edge product key."""

    NEW = "new"
    VALIDATING = "validating"
    IN_USE = "in use"


class BooleanLicenceFeature(_StrEnum):
    """Module a subscription switches on."""

    EXPLAINABILITY = "explainability"
    MONITORING = "monitoring"
    MONITORING_METRICS = "monitoring_metrics"
    SEGMENTED_MONITORING = "segmented_monitoring"
    RETRAINING = "retraining"
    TOPIC_ANALYSIS = "topic_analysis"
    RAG_EVALUATION = "rag_evaluation"
    LLM_SECURITY = "llm_security"
    BUSINESS = "business"


class NumericLicenceFeature(_StrEnum):
    """Quota a subscription limits."""

    MAX_TASKS = "max_tasks"
    MAX_USERS = "max_users"
    DAILY_DATA_BATCH_UPLOAD = "daily_data_batch_upload"


class SegmentOperator(_StrEnum):
    """Whether a segment rule includes or excludes values (v1 extra)."""

    IN = "in"
    OUT = "out"


class DataCategory(Enum):
    """Role of an uploaded file (internal, upload query; plain Enum as in v1)."""

    PREDICTION = "prediction"
    TARGET = "target"
    INPUT = "input"
    METADATA = "metadata"
    INPUT_MAPPING = "input_mapping"
    TARGET_MAPPING = "target_mapping"
    PREDICTION_MAPPING = "prediction_mapping"
    INPUT_ADDITIONAL_EMBEDDING = "input_additional_embedding"
    TARGET_ADDITIONAL_EMBEDDING = "target_additional_embedding"
    PREDICTION_ADDITIONAL_EMBEDDING = "prediction_additional_embedding"


class RawDataSourceType(Enum):
    """Kind of source in RemoteDataSourceInfo (internal; plain Enum as in v1)."""

    AWS_S3 = "aws_s3"
    GCS = "gcs"
    ABS = "azure_blob_storage"
    LOCAL = "local"


class ErrorCode(_StrEnum):
    """Error codes our server puts in ``errorCode``; the client maps them (with the status) to exceptions."""

    # --- generic, by HTTP status ---
    UNAUTHORIZED = "UNAUTHORIZED"  # 401: missing, unknown or expired API key
    FORBIDDEN = "FORBIDDEN"  # 403: authenticated, but the role lacks the permission
    NOT_FOUND = "NOT_FOUND"  # 404: unknown path or an object of unspecified kind
    INVALID_REQUEST = "INVALID_REQUEST"  # 422/400: malformed JSON or a body/query failing validation
    INVALID_PARAMETERS = "INVALID_PARAMETERS"  # 400: well-formed values that do not fit together
    CONFLICT = "CONFLICT"  # 409: the request clashes with the current state
    ALREADY_EXISTS = "ALREADY_EXISTS"  # 409: an object with that unique name or key exists
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"  # 403/429: a subscription quota is used up
    INTERNAL_ERROR = "INTERNAL_ERROR"  # 500: a bug; details are in the server log only
    # --- identity and company ---
    USER_ALREADY_IN_COMPANY = "USER_ALREADY_IN_COMPANY"  # 409: create_company by a user who has one
    USER_NOT_IN_COMPANY = "USER_NOT_IN_COMPANY"  # 403/404: caller or target belongs to no (this) company
    INVALID_ROLE_CHANGE = "INVALID_ROLE_CHANGE"  # 403/409: role change not allowed (owner, admin on admin)
    PASSWORD_CHANGE_REQUIRED = "PASSWORD_CHANGE_REQUIRED"  # 403: temporary password must be changed first
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"  # 400/401: wrong password or malformed secret material
    # --- objects not found (404) ---
    COMPANY_NOT_FOUND = "COMPANY_NOT_FOUND"  # caller has no company yet, or unknown company
    PROJECT_NOT_FOUND = "PROJECT_NOT_FOUND"  # unknown project id (or not visible to the caller)
    USER_NOT_FOUND = "USER_NOT_FOUND"  # unknown user id in the caller's company
    API_KEY_NOT_FOUND = "API_KEY_NOT_FOUND"  # unknown API key (or not owned by that user)
    TASK_NOT_FOUND = "TASK_NOT_FOUND"  # unknown task id
    MODEL_NOT_FOUND = "MODEL_NOT_FOUND"  # unknown model id; also raised client-side by name/version lookup
    JOB_NOT_FOUND = "JOB_NOT_FOUND"  # unknown job id
    KPI_NOT_FOUND = "KPI_NOT_FOUND"  # unknown KPI id
    CREDENTIALS_NOT_FOUND = "CREDENTIALS_NOT_FOUND"  # unknown integration credentials id
    RULE_NOT_FOUND = "RULE_NOT_FOUND"  # unknown detection event rule id
    DETECTION_EVENT_NOT_FOUND = "DETECTION_EVENT_NOT_FOUND"  # unknown detection event id (feedback)
    SCHEMA_NOT_FOUND = "SCHEMA_NOT_FOUND"  # the task has no data schema yet
    REPORT_NOT_FOUND = "REPORT_NOT_FOUND"  # unknown report id, or no report computed yet
    # --- data schema and uploads ---
    SCHEMA_ALREADY_EXISTS = "SCHEMA_ALREADY_EXISTS"  # 409: add_data_schema on a task that has one
    SCHEMA_IMMUTABLE = "SCHEMA_IMMUTABLE"  # 409: schemas cannot change once created
    INVALID_SCHEMA = "INVALID_SCHEMA"  # 400: schema inconsistent with the task type or itself
    INVALID_DATA = "INVALID_DATA"  # 400: uploaded batch does not match the schema or the data rules
    DUPLICATE_DATA = "DUPLICATE_DATA"  # 409: sample ids (or targets) already stored
    UPLOAD_EXPIRED = "UPLOAD_EXPIRED"  # 400/410: storing_process_id unknown, used or past expiration
    CHECKSUM_MISMATCH = "CHECKSUM_MISMATCH"  # 400: uploaded bytes do not match file_checksum
    # --- monitoring ---
    ESTIMATION_NOT_SUPPORTED = "ESTIMATION_NOT_SUPPORTED"  # 409: no sound label-free estimate for this model
    # --- jobs and transport (also used client-side) ---
    RETRAIN_TRIGGER_FAILED = "RETRAIN_TRIGGER_FAILED"  # 424: the trigger's receiver refused or was unreachable
    JOB_FAILED = "JOB_FAILED"  # a waited-on job ended in status error
    JOB_WAIT_TIMEOUT = "JOB_WAIT_TIMEOUT"  # wait_job_completion exceeded max_wait_timeout
    CONNECTION_ERROR = "CONNECTION_ERROR"  # client could not reach the server
    TIMEOUT = "TIMEOUT"  # client gave up waiting for the server's answer
