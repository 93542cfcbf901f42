from django.urls import path

from stint.web import views

urlpatterns = [
    path("", views.home, name="home"),
]
