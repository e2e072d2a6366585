from django.urls import path

from siaga.assessments.views import answers, campaigns, review

app_name = "assessments"

urlpatterns = [
    path("", campaigns.index, name="index"),
    path("frameworks/", campaigns.framework_list, name="frameworks"),
    path("frameworks/upload/", campaigns.framework_upload, name="framework-upload"),
    path("frameworks/<int:pk>/", campaigns.framework_detail, name="framework"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/send/", campaigns.campaign_send, name="campaign-send"),
    path("campaigns/<int:pk>/close/", campaigns.campaign_close, name="campaign-close"),
    path("<int:pk>/", answers.answer, name="answer"),
    path("<int:pk>/submit/", answers.submit, name="submit"),
    path("<int:pk>/evidence/<str:question_id>/", answers.evidence, name="evidence"),
    path("<int:pk>/review/", review.review, name="review"),
    path("<int:pk>/review/comment/", review.review_comment, name="review-comment"),
    path("<int:pk>/review/return/", review.review_return, name="review-return"),
    path("<int:pk>/review/accept/", review.review_accept, name="review-accept"),
    path("<int:pk>/result/", review.result, name="result"),
    path("<int:pk>/result.pdf", review.result_download, name="result-pdf"),
]
